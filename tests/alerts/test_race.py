"""An alert racing a renewal of the same certificate (PostgreSQL, committed transactions):
exactly one outcome, never a certificate both renewed and suspended."""

from __future__ import annotations

import pytest
import sqlalchemy as sa

from backend.alerts.models import Alert, Suspension
from backend.certificates.models import Certificate, Status, StatusChange
from backend.db import db
from tests.alerts.helpers import PoliceSystem, alert, post
from tests.certificates.holders import driver_with_certificate
from tests.conftest import POSTGRES_URL
from tests.drivers.helpers import apply
from tests.harness import fire_together

pytestmark = pytest.mark.skipif(POSTGRES_URL is None, reason="no PostgreSQL server answers")


def test_an_alert_racing_a_renewal_has_exactly_one_outcome(committed_app, tmp_path):
    police = PoliceSystem()
    (tmp_path / "police.pem").write_bytes(police.public_pem)
    committed_app.config["POLICE_ALERT_KEY_FILE"] = str(tmp_path / "police.pem")
    outcomes = set()
    for round_ in range(4):
        with committed_app.app_context():
            number, headers, certificate = driver_with_certificate(
                committed_app.test_client(), name=f"陈竞争{'一二三四'[round_]}")
            db.session.commit()
            holder_id = certificate.holder_id
        body = police.sign(alert(number))
        renewal, hook = fire_together([
            lambda h=headers: apply(committed_app.test_client(), h, matter="driver-cert-renew"),
            lambda b=body: post(committed_app.test_client(), b)])
        assert renewal.status_code in (201, 409, 422), renewal.json
        assert hook.status_code in (201, 409), hook.json

        with committed_app.app_context():
            versions = list(db.session.scalars(sa.select(Certificate).where(
                Certificate.holder_id == holder_id).order_by(Certificate.version)))
            statuses = [c.status for c in versions]
            suspensions = db.session.scalars(sa.select(Suspension).where(
                Suspension.holder_id == holder_id)).all()
            alerts = db.session.scalars(sa.select(Alert).where(Alert.id_number == number)).all()
            for c in versions:  # no certificate both replaced and suspended
                entered = {s.status for s in db.session.scalars(
                    sa.select(StatusChange).where(StatusChange.certificate_id == c.id))}
                assert not {Status.REPLACED, Status.SUSPENDED} <= entered, statuses
            in_force = [s for s in statuses if s in (Status.VALID, Status.SUSPENDED)]
            assert len(in_force) == 1, statuses  # one certificate, valid or suspended
            if hook.status_code == 201:
                assert len(alerts) == 1 and len(suspensions) == 1
                assert suspensions[0].certificate_id == versions[-1].id
                assert versions[-1].status == Status.SUSPENDED
                outcomes.add("suspended after renewal" if len(versions) == 2 else "suspended")
            else:  # the renewal won; the alert kept nothing and is sent again
                assert renewal.status_code == 201 and alerts == [] and suspensions == []
                assert statuses == [Status.REPLACED, Status.VALID]
                outcomes.add("renewed")
            if renewal.status_code != 201:
                assert statuses == [Status.SUSPENDED]
    assert outcomes  # (which won each round is the database's choice)


def test_the_same_alert_sent_four_times_at_once_is_one_alert(committed_app, tmp_path):
    police = PoliceSystem()
    (tmp_path / "police.pem").write_bytes(police.public_pem)
    committed_app.config["POLICE_ALERT_KEY_FILE"] = str(tmp_path / "police.pem")
    with committed_app.app_context():
        number, _, certificate = driver_with_certificate(committed_app.test_client(), name="陈重发")
        db.session.commit()
        register_id = certificate.id
    body = police.sign(alert(number))
    responses = fire_together([lambda: post(committed_app.test_client(), body)] * 4)
    assert all(r.status_code in (200, 201) for r in responses), [r.json for r in responses]
    assert len({r.json["id"] for r in responses}) == 1
    with committed_app.app_context():
        assert db.session.scalar(sa.select(sa.func.count()).select_from(Alert)) == 1
        assert db.session.scalar(sa.select(sa.func.count()).select_from(Suspension)) == 1
        assert db.session.get(Certificate, register_id).status == Status.SUSPENDED
