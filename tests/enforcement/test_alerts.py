"""Suspected reads become alerts in the console; an officer confirms or dismisses one with the
evidence in front of them, and the decision is kept with that evidence and audited."""

from __future__ import annotations

import datetime as dt

import pytest
import sqlalchemy as sa

from backend.audit.models import AuditEntry
from backend.certificates import operations as certificates
from backend.certificates.models import Status
from backend.db import db, utcnow
from backend.enforcement import operations
from backend.enforcement.classify import Classifier
from backend.enforcement.messages import parse
from backend.enforcement.models import AlertStatus, CameraAlert
from backend.staff.models import Role
from backend.supervision import events
from tests.enforcement.helpers import feed_order, feed_positions, message, transport_certificate
from tests.harness import post


@pytest.fixture
def store(app, database, tmp_path, monkeypatch):
    monkeypatch.setitem(app.config, "SUPERVISION_EVENTS_DIR", str(tmp_path / "events"))


def read_and_store(plate: str, seen_at: dt.datetime, camera: str = "XMAIR-T3-01") -> None:
    """A read through the classification and the worker's storage, as the worker does it."""
    classifier = Classifier(events.store(), dt.timedelta(minutes=15))
    classifier.catch_up(utcnow(), force_feed=True)
    read = parse(*message(plate, seen_at, camera=camera), utcnow())
    operations.record([(read, classifier.classify(read))], utcnow())


@pytest.fixture
def suspect(store):
    """闽DD50001: its certificate revoked ten days ago, still driving for a platform."""
    certificate = transport_certificate("闽DD50001", "lujiang-go")
    certificates.set_status(certificate, Status.REVOKED, actor="test", reason="吊销 revoked",
                            at=utcnow() - dt.timedelta(days=10))
    now = utcnow()
    feed_positions("3502DEMOLUJIANG", "闽DD50001", now - dt.timedelta(minutes=6),
                   now - dt.timedelta(minutes=5))
    feed_order("3502DEMOLUJIANG", "闽DD50001", now - dt.timedelta(minutes=8), "ORD-50001")
    read_and_store("闽DD50001", now - dt.timedelta(minutes=4), camera="XMSTN-01")
    read_and_store("闽DD50001", now - dt.timedelta(minutes=1), camera="XMAIR-T3-01")
    return db.session.scalar(sa.select(CameraAlert).where(CameraAlert.plate == "闽DD50001"))


def test_suspected_reads_of_a_plate_join_one_open_alert(suspect):
    assert suspect.status == AlertStatus.OPEN
    assert len(operations.alert_reads(suspect)) == 2
    assert suspect.companies == ["3502DEMOLUJIANG"]


def test_the_officer_sees_the_reads_the_feed_and_the_certificate_history(client, sign_in, suspect):
    sign_in(Role.OFFICER)
    listing = client.get("/console/enforcement/alerts").get_data(as_text=True)
    assert "闽DD50001" in listing and "3502DEMOLUJIANG" in listing
    page = client.get(f"/console/enforcement/alerts/{suspect.id}").get_data(as_text=True)
    assert "XMSTN-01" in page and "XMAIR-T3-01" in page  # the reads
    assert "ORD-50001" in page and "positionVehicle" in page  # the feed near them
    assert "revoked" in page and "吊销 revoked" in page  # the certificate's history
    assert "确认非法营运" in page  # the decision form


def test_an_officer_confirms_with_a_note_and_the_evidence_is_kept(client, sign_in, suspect):
    officer = sign_in(Role.OFFICER)
    answer = post(client, f"/console/enforcement/alerts/{suspect.id}/decision",
                  {"decision": "confirm", "note": "现场检查，司机承认通过平台接单。"})
    assert answer.status_code == 302
    db.session.refresh(suspect)
    assert (suspect.status, suspect.decided_by, suspect.open_plate) == (
        AlertStatus.CONFIRMED, f"staff:{officer}", None)
    assert [e["interface"] for e in suspect.evidence["feed"]].count("positionVehicle") == 2
    assert len(suspect.evidence["reads"]) == 2
    assert suspect.evidence["certificates"][0]["history"][-1]["status"] == "revoked"
    actions = db.session.scalars(sa.select(AuditEntry.action).where(
        AuditEntry.object_type == "enforcement_alert",
        AuditEntry.object_id == str(suspect.id))).all()
    assert actions == ["enforcement.alert.opened", "enforcement.alert.confirmed"]
    # a decided alert is not decided again
    post(client, f"/console/enforcement/alerts/{suspect.id}/decision",
         {"decision": "dismiss", "note": "再次处理"})
    db.session.refresh(suspect)
    assert suspect.status == AlertStatus.CONFIRMED


def test_after_a_dismissal_the_next_suspected_read_opens_a_new_alert(client, sign_in, suspect):
    sign_in(Role.OFFICER)
    post(client, f"/console/enforcement/alerts/{suspect.id}/decision",
         {"decision": "dismiss", "note": "车主亲属用车，非营运。"})
    read_and_store("闽DD50001", utcnow() - dt.timedelta(seconds=30))
    alerts = db.session.scalars(sa.select(CameraAlert).where(CameraAlert.plate == "闽DD50001")
                                .order_by(CameraAlert.id)).all()
    assert [a.status for a in alerts] == [AlertStatus.DISMISSED, AlertStatus.OPEN]


def test_a_decision_needs_a_note(client, sign_in, suspect):
    sign_in(Role.OFFICER)
    answer = post(client, f"/console/enforcement/alerts/{suspect.id}/decision",
                  {"decision": "confirm", "note": ""})
    assert answer.status_code == 302
    db.session.refresh(suspect)
    assert suspect.status == AlertStatus.OPEN
    page = client.get(f"/console/enforcement/alerts/{suspect.id}").get_data(as_text=True)
    assert "请写明核查情况" in page


def test_only_officers_decide(client, sign_in, suspect):
    sign_in(Role.SUPERVISOR)
    assert client.get(f"/console/enforcement/alerts/{suspect.id}").status_code == 200
    answer = post(client, f"/console/enforcement/alerts/{suspect.id}/decision",
                  {"decision": "confirm", "note": "越权 not mine"})
    assert answer.status_code == 403
    sign_in(Role.CLERK)
    assert client.get("/console/enforcement/alerts").status_code == 403
