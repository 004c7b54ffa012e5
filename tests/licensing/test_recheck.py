"""The regular re-check (``flask licensing recheck``): new failures become alerts once, a
source that does not answer leaves the holder as they were and is reported, and each run's
report is printed and stored.

Most tests replace ``raise_alert`` by a recording one (and nothing else); the last goes through
the real alert path (``backend.alerts``) to the suspension and the holder's message."""

from __future__ import annotations

import datetime as dt

import pytest
import sqlalchemy as sa

from backend.errors import ApiError
from backend.licensing import recheck
from backend.licensing.models import RecheckHolder, RecheckRun
from backend.verification.models import SourceQuery
from tests.drivers.helpers import eligible_records, import_records
from tests.notices.helpers import driver_certificate, free_port, holder


@pytest.fixture
def alerts(monkeypatch):
    raised = []

    def record(**alert):
        raised.append(alert)

    monkeypatch.setattr(recheck, "raise_alert", record)
    return raised


def certified(name: str = "陈测试", **sources) -> str:
    """A holder of a driver certificate in force, with mirror records (eligible unless
    ``sources`` overrides one); their ID number."""
    person = holder(name)
    records = eligible_records(person.id_number, name)
    for source, rows in sources.items():
        records[source] = [dict(row, id_number=person.id_number) for row in rows]
    import_records(records)
    driver_certificate(person)
    return person.id_number


def police(category: str, day: str) -> list[dict]:
    return [{"category": category, "recorded_on": day}]


def revoked_licence() -> list[dict]:
    return [{"licence_class": "C1", "first_issued_on": "2015-05-01", "status": "revoked",
             "valid_until": "2031-05-01", "cycles": []}]


def test_new_failures_become_alerts_once_and_the_report_is_stored(database, cli, alerts):
    certified("林合格")
    drinker = certified("王酒驾", police_records=police("drink_driving", "2026-11-20"))
    revoked = certified("张吊销", driving_licence=revoked_licence())
    database.session.commit()

    result = cli.invoke(args=["licensing", "recheck", "--all"])
    assert result.exit_code == 0, result.output
    assert "3 of 3 holders checked" in result.output
    assert "new failures by rule: drv.drugs_dui 1, drv.licence_valid 1" in result.output
    by_holder = {a["id_number"]: a for a in alerts}
    assert set(by_holder) == {drinker, revoked}
    assert by_holder[drinker]["category"] == "drink_driving"
    assert by_holder[drinker]["recorded_on"] == dt.date(2026, 11, 20)
    assert by_holder[revoked]["category"] == "licence_revoked"
    assert "驾驶证状态为「吊销」" in by_holder[revoked]["detail"]
    assert all(a["reference"].startswith("RC-") and drinker not in a["reference"] for a in alerts)

    run = database.session.scalar(sa.select(RecheckRun).order_by(RecheckRun.id.desc()))
    assert (run.checked, run.alerts_raised, run.unreachable) == (3, 2, {})
    assert run.new_failures == {"drv.drugs_dui": 1, "drv.licence_valid": 1}
    logged = database.session.scalar(sa.select(sa.func.count()).select_from(SourceQuery)
                                     .where(SourceQuery.purpose == f"recheck-run:{run.id}"))
    # every question the re-checked rules read (identity, police records and alerts, licence,
    # permit; not the credit lists, which only drv.blacklist reads), in the query log, for the run
    assert logged == 3 * 5

    again = cli.invoke(args=["licensing", "recheck", "--all"])
    assert "new failures by rule: none" in again.output and len(alerts) == 2

    import_records({"police_records": [{"id_number": drinker, "category": "violent_crime",
                                        "recorded_on": "2026-12-01"}]})
    database.session.commit()
    cli.invoke(args=["licensing", "recheck", "--all"])
    assert [(a["category"], a["id_number"]) for a in alerts[2:]] == [("violent_crime", drinker)]


def test_a_source_that_does_not_answer_leaves_the_holder_as_they_were(database, app, cli,
                                                                        alerts, monkeypatch):
    drinker = certified("王酒驾", police_records=police("drug_use", "2026-10-01"))
    revoked = certified("张吊销")
    database.session.commit()
    assert cli.invoke(args=["licensing", "recheck", "--all"]).exit_code == 0
    assert [a["id_number"] for a in alerts] == [drinker]
    before = {h.person_id: (h.checked_at, list(h.failing))
              for h in database.session.scalars(sa.select(RecheckHolder))}

    # The police's records are now asked over HTTP, and nobody answers; the licence is revoked.
    monkeypatch.setitem(app.config["SOURCE_URLS"], "police_records",
                        f"http://127.0.0.1:{free_port()}")
    monkeypatch.setitem(app.config, "SOURCE_TIMEOUT_SECONDS", 0.2)
    monkeypatch.setitem(app.extensions, "sources", {})
    import_records({"driving_licence": [dict(revoked_licence()[0], id_number=revoked)]})
    database.session.commit()

    result = cli.invoke(args=["licensing", "recheck", "--all"])
    assert result.exit_code == 3  # (done, not in full)
    assert "police_records 2" in result.output and "not checked in full: 2" in result.output
    assert [(a["id_number"], a["category"]) for a in alerts[1:]] == [(revoked, "licence_revoked")]
    database.session.expire_all()
    after = {h.person_id: (h.checked_at, h.failing)
             for h in database.session.scalars(sa.select(RecheckHolder))}
    assert {person: checked for person, (checked, _) in after.items()} == {
        person: checked for person, (checked, _) in before.items()}
    drinker_state = next(f for _, f in after.values() if any("drug_use" in k for k in f))
    assert drinker_state == next(f for _, f in before.values() if f)  # kept, not cleared
    run = database.session.scalar(sa.select(RecheckRun).order_by(RecheckRun.id.desc()))
    assert run.unreachable == {"police_records": 2} and run.incomplete == 2


def test_due_takes_only_holders_not_checked_in_full_recently(database, cli, alerts):
    certified("林一")
    database.session.commit()
    assert "1 of 1 holders checked" in cli.invoke(args=["licensing", "recheck", "--due"]).output
    certified("林二")
    database.session.commit()
    assert "1 of 1 holders checked" in cli.invoke(args=["licensing", "recheck"]).output
    assert "2 of 2 holders checked" in cli.invoke(args=["licensing", "recheck", "--all"]).output
    database.session.execute(sa.update(RecheckHolder).values(
        checked_at=dt.datetime.now(dt.UTC) - dt.timedelta(days=31)))
    database.session.commit()
    assert "2 of 2 holders checked" in cli.invoke(args=["licensing", "recheck", "--due"]).output


def test_an_alert_the_alert_path_refuses_is_reported_and_tried_again(database, cli,
                                                                     monkeypatch):
    tried = []

    def refuse(**alert):
        tried.append(alert)
        raise ApiError(422, "类别不支持", "Unknown category")

    monkeypatch.setattr(recheck, "raise_alert", refuse)
    certified("王酒驾", police_records=police("drink_driving", "2026-11-20"))
    database.session.commit()
    first = cli.invoke(args=["licensing", "recheck", "--all"])
    assert "refused by the alert path: drv.drugs_dui 1" in first.output
    cli.invoke(args=["licensing", "recheck", "--all"])
    assert len(tried) == 2


def asked_together_as_alone(question_sets: list) -> list[dict]:
    """``sources.ask_many``'s answers, once each set's equal ``sources.ask``'s for it alone."""
    from backend.verification import sources

    together = sources.ask_many(question_sets)
    for questions, answers in zip(question_sets, together, strict=True):
        alone = sources.ask(questions)
        assert {key: (a.status, a.data) for key, a in answers.items()} == {
            key: (a.status, a.data) for key, a in alone.items()}
    return together


def test_asking_many_holders_at_once_answers_as_asking_each(database):
    from backend.drivers.rules import driver_questions
    from backend.verification import sources

    numbers = [certified("王酒驾", police_records=police("drug_use", "2026-10-01")),
               certified("林合格"), holder("无记录").id_number]
    together = asked_together_as_alone([driver_questions(number) for number in numbers])
    assert together[2]["identity.person"].status == sources.Status.NOT_FOUND
    assert together[0]["police_records.records"].data == [
        {"category": "drug_use", "recorded_on": "2026-10-01"}]


def test_the_console_shows_each_runs_report(database, cli, client, sign_in, alerts, app,
                                             monkeypatch):
    from backend.staff.models import Role

    certified("王酒驾", police_records=police("drink_driving", "2026-11-20"))
    database.session.commit()
    cli.invoke(args=["licensing", "recheck", "--all"])
    monkeypatch.setitem(app.config["SOURCE_URLS"], "residence_permit",
                        f"http://127.0.0.1:{free_port()}")
    monkeypatch.setitem(app.config, "SOURCE_TIMEOUT_SECONDS", 0.2)
    monkeypatch.setitem(app.extensions, "sources", {})
    cli.invoke(args=["licensing", "recheck", "--all"])

    sign_in(Role.SUPERVISOR)
    page = client.get("/console/rechecks/").get_data(as_text=True)
    assert "drv.drugs_dui</span> 1" in page and "residence_permit</span> 1" in page
    assert "1 人未能完整核查" in page
    sign_in(Role.MAILROOM)
    assert client.get("/console/rechecks/").status_code == 403


@pytest.mark.parametrize("sources", [
    {"police_records": police("drink_driving", "2026-11-20")},
    {"driving_licence": [{"licence_class": "C1", "first_issued_on": "2015-05-01",
                          "status": "valid", "valid_until": "2031-05-01",
                          "cycles": [{"start": "2025-05-01", "end": "2026-04-30",
                                      "points": 12}]}]},
])
def test_a_new_failure_suspends_the_certificate_through_the_alert_path(database, cli, sources):
    from backend.alerts.models import Alert
    from backend.certificates.models import Certificate, Status
    from backend.notify.models import PersonMessage

    number = certified("王复查", **sources)
    database.session.commit()
    result = cli.invoke(args=["licensing", "recheck", "--all"])
    assert result.exit_code == 0, result.output
    assert "1 alert" in result.output or "alerts raised: 1" in result.output, result.output
    certificate = database.session.scalar(sa.select(Certificate))
    database.session.refresh(certificate)
    assert certificate.status == Status.SUSPENDED
    alert = database.session.scalar(sa.select(Alert))
    assert (alert.source, alert.id_number) == ("recheck", number)
    message = database.session.scalar(sa.select(PersonMessage))
    assert message.kind == "alert.suspended" and "常态化比对" in message.body
    assert "公安机关" not in message.body
