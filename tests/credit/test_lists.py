"""Records put their subjects on the watch list or the blacklist; the timer, a review, a
correction and an appeal move them on; the subject is told; everything is audited."""

import datetime as dt

import pytest
import sqlalchemy as sa

from backend.audit.models import AuditEntry
from backend.credit import lists, operations
from backend.credit.catalogue import ListKind, Severity
from backend.credit.models import CreditRecord, EndReason, ListEntry, RecordState
from backend.db import db, utcnow
from backend.errors import ApiError
from backend.licensing.operations import today
from backend.notify.models import PersonMessage, Sms
from tests.credit.helpers import PDF, person, record
from tests.factories import citizen_token


def actions() -> list[str]:
    db.session.commit()  # (the audit log is written as the transaction commits)
    return list(db.session.scalars(sa.select(AuditEntry.action).order_by(AuditEntry.id)))


def test_a_severe_record_puts_a_driver_on_the_watch_list_for_six_months_and_tells_them(database):
    driver = person()
    found = record("drv.retaliation", driver.id_number, driver.name)
    [entry] = found.entries
    assert entry.list_kind == ListKind.WATCH and entry.ended_at is None
    assert entry.review_on == operations.add_months(today(), 6)
    messages = db.session.scalars(sa.select(PersonMessage).where(
        PersonMessage.person_id == driver.id)).all()
    assert any("重点关注名单" in m.body and m.reference == found.number for m in messages)
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Sms).where(
        Sms.phone == driver.phone)) >= 1
    assert {"credit.recorded", "credit.listed.watch"} <= set(actions())
    assert lists.entry_for("driver", driver.id_number) == entry


def test_the_watch_period_is_configurable(app, database, monkeypatch):
    monkeypatch.setitem(app.config, "CREDIT_WATCH_MONTHS", 2)
    driver = person()
    entry = record("drv.retaliation", driver.id_number).entries[0]
    assert entry.review_on == operations.add_months(today(), 2)


def test_uncorrected_past_the_review_day_the_sweep_moves_the_subject_to_the_blacklist(database):
    driver = person()
    watch = record("drv.retaliation", driver.id_number).entries[0]
    assert operations.sweep(on=watch.review_on - dt.timedelta(days=1)) == {"blacklisted": 0, "expired": 0}
    assert operations.sweep(on=watch.review_on) == {"blacklisted": 1, "expired": 0}
    assert watch.end_reason == EndReason.MOVED_TO_BLACKLIST
    black = lists.entry_for("person", driver.id_number)
    assert black.list_kind == ListKind.BLACK and black.previous_id == watch.id
    assert "credit.listed.black" in actions()


def test_an_especially_severe_record_blacklists_a_vehicle_at_once(database):
    found = record("veh.forged_certificate", "闽D·A1234", "闽DA1234")
    assert found.subject_key == "闽DA1234"
    assert [e.list_kind for e in found.entries] == [ListKind.BLACK]
    assert "闽DA1234" in lists.blacklisted_plates()
    assert lists.entry_for("vehicle", "闽D A1234").record == found
    assert lists.entry_for("vehicle", "闽DA1234", utcnow() - dt.timedelta(minutes=5)) is None


def test_a_general_record_lists_nobody_and_an_officer_may_judge_it_severe(database):
    driver = person()
    assert record("drv.overcharge", driver.id_number).entries == []
    raised = record("drv.overcharge", driver.id_number, severity=Severity.SEVERE)
    assert [e.list_kind for e in raised.entries] == [ListKind.WATCH]


def test_a_correction_accepted_takes_the_subject_off_the_list(database):
    driver = person()
    entry = record("drv.forged_certificate", driver.id_number).entries[0]
    operations.accept_correction(entry, "已交回伪造证件并参加培训", actor="staff:clerk")
    assert entry.end_reason == EndReason.CORRECTED
    assert lists.entry_for("person", driver.id_number) is None
    assert lists.entry_for("person", driver.id_number, entry.started_at) == entry  # (its past)
    with pytest.raises(ApiError) as refused:
        operations.accept_correction(entry, "again", actor="staff:clerk")
    assert refused.value.code == 409


def test_an_appeal_upheld_overturns_the_record_and_ends_its_entries(database):
    driver = person()
    found = record("drv.forged_certificate", driver.id_number)
    operations.uphold_appeal(found, "行政复议撤销原处罚决定", actor="staff:clerk")
    assert found.state == RecordState.OVERTURNED
    assert found.entries[0].end_reason == EndReason.APPEAL_UPHELD
    assert lists.entry_for("person", driver.id_number) is None
    assert "credit.overturned" in actions()


def test_a_review_keeps_a_blacklist_entry_until_a_later_day(database):
    entry = record("veh.forged_certificate", "闽DA2345").entries[0]
    first, later = entry.review_on, entry.review_on + dt.timedelta(days=90)
    operations.review(entry, "仍未整改", next_review_on=later, actor="staff:clerk")
    assert entry.review_on == later and entry.review_note == "仍未整改"
    assert operations.sweep(on=first)["expired"] == 0
    assert operations.sweep(on=later)["expired"] == 1
    assert entry.end_reason == EndReason.EXPIRED


@pytest.mark.parametrize(("changes", "field"), [
    ({"decision_number": " "}, "decision_number"),
    ({"subject_key": "350203199001011230"}, "subject_key"),
    ({"facts": "  "}, "facts"),
    ({"occurred_on": today() + dt.timedelta(days=1)}, "occurred_on"),
])
def test_a_record_with_bad_input_is_refused_and_nothing_is_kept(database, changes, field):
    changes = dict(changes)  # (the parameters are shared by the SQLite and PostgreSQL runs)
    key = changes.pop("subject_key", None) or person().id_number
    with pytest.raises(ApiError) as refused:
        record("drv.retaliation", key, **changes)
    assert refused.value.code == 422 and field in refused.value.extra["errors"]["json"]
    assert db.session.scalar(sa.select(sa.func.count()).select_from(CreditRecord)) == 0
    assert db.session.scalar(sa.select(sa.func.count()).select_from(ListEntry)) == 0


def test_a_manager_record_needs_the_company_and_position(database):
    with pytest.raises(ApiError) as refused:
        record("mgr.unlicensed", person().id_number)
    assert "company_uscc" in refused.value.extra["errors"]["json"]


def test_evidence_is_limited_in_type_and_size(app, database, monkeypatch):
    found = record("veh.unlicensed", "闽DA3456")
    kept = operations.add_evidence(found, "现场照片.pdf", PDF, actor="staff:officer")
    assert kept.content_type == "application/pdf" and operations.evidence_content(kept) == PDF
    with pytest.raises(ApiError) as wrong:
        operations.add_evidence(found, "x.pdf", b"MZ not a pdf at all", actor="staff:officer")
    assert wrong.value.code == 415
    monkeypatch.setitem(app.config, "MATERIAL_MAX_BYTES", 50)
    with pytest.raises(ApiError) as large:
        operations.add_evidence(found, "big.pdf", PDF * 3, actor="staff:officer")
    assert large.value.code == 413
    assert len(found.evidence) == 1


def test_a_driver_sees_their_own_records_in_the_app_and_nobody_elses(client, database):
    number, headers = citizen_token(client, name="林司机")
    record("drv.retaliation", number, "林司机")
    record("drv.retaliation", person().id_number)  # somebody else's
    response = client.get("/api/v1/credit", headers=headers)
    assert response.status_code == 200, response.json
    body = response.json
    assert body["listed"] == "watch"
    [mine] = body["records"]
    assert mine["behaviour"] == "drv.retaliation" and mine["entries"][0]["list"] == "watch"
    assert mine["decision_number"] == "厦交执罚〔2026〕001号"
    assert client.get("/api/v1/credit").status_code == 401
