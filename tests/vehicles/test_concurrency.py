"""One vehicle, one platform under concurrent requests: settled by the database itself, on
PostgreSQL and on the embedded SQLite default.

Each request runs in its own thread, app context and committed transaction (on PostgreSQL on a
schema of its own), as gunicorn workers would; the rolled-back test transaction cannot be
shared by threads.
"""

import re

import pytest
import sqlalchemy as sa

from backend.certificates.models import Certificate, Kind, Status
from backend.common.counters import current_value
from backend.db import db
from backend.licensing.models import Application
from backend.vehicles.operations import NUMBER_COUNTER
from tests.conftest import POSTGRES_URL
from tests.factories import citizen_token, id_number
from tests.harness import fire_together
from tests.vehicles.fleet import ADDRESS, make_platform, make_vehicle


@pytest.fixture(params=[
    pytest.param("committed_app", marks=[pytest.mark.postgres, pytest.mark.skipif(
        POSTGRES_URL is None, reason="no PostgreSQL server answers")], id="postgresql"),
    pytest.param("sqlite_app", id="sqlite")])
def racing_app(request):
    return request.getfixturevalue(request.param)


def test_concurrent_applications_for_one_plate_end_with_one_certificate_and_no_gaps(racing_app):
    number = id_number()
    with racing_app.app_context():
        platforms = [make_platform() for _ in range(3)]
        plates = [make_vehicle(number) for _ in range(3)]
        db.session.commit()
    client = racing_app.test_client()
    _, headers = citizen_token(client, number, "陈并发")
    client.get("/api/v1/applications", headers=headers)  # registers the person beforehand

    # Six for the first plate (three platforms, twice each), three for each of the others.
    wanted = [(plates[0], p) for p in platforms * 2] + [(plate, platforms[i % 2]) for plate in
                                                        plates[1:] for i in range(3)]

    def submit(i, plate, platform):
        return lambda: racing_app.test_client().post("/api/v1/applications", json={
            "matter": "vehicle-permit-issue", "plate": plate, "platform": platform,
            "mailing_address": ADDRESS}, headers={**headers, "Idempotency-Key": f"race-{i}"})

    responses = fire_together([submit(i, *w) for i, w in enumerate(wanted)])

    outcomes = {plate: [] for plate in plates}
    for (plate, _), response in zip(wanted, responses, strict=True):
        assert response is not None and response.status_code in (201, 409), response.json
        if response.status_code == 201:
            failing = {c["rule"] for c in response.json["checks"] if c["outcome"] == "fail"}
            outcomes[plate].append((response.json["status"], failing))
            assert response.json["status"] == "issued" or failing == {"veh.single_platform"}
        else:
            outcomes[plate].append(("conflict", set()))
    for plate in plates:
        assert [s for s, _ in outcomes[plate]].count("issued") == 1, outcomes[plate]

    with racing_app.app_context():
        certificates = db.session.scalars(sa.select(Certificate).where(
            Certificate.kind == Kind.TRANSPORT).order_by(Certificate.id)).all()
        valid = [c for c in certificates if c.status == Status.VALID]
        assert sorted(c.plate for c in valid) == sorted(plates)
        assert len(certificates) == 3
        sequence = sorted(int(re.search(r"(\d{6})号$", c.number).group(1)) for c in certificates)
        assert sequence == [1, 2, 3]
        assert current_value(NUMBER_COUNTER) == 3
        stored = db.session.scalar(sa.select(sa.func.count()).select_from(Application))
        assert stored == sum(1 for r in responses if r.status_code == 201)


def test_one_vehicle_permit_submitted_four_times_at_once_with_one_key_is_one_decision(racing_app):
    """The losers lose the plate first (their certificate goes in first), then their application
    meets the winner's idempotency key: each is answered with the winner's application."""
    number = id_number()
    with racing_app.app_context():
        platform, plate = make_platform(), make_vehicle(number)
        db.session.commit()
    client = racing_app.test_client()
    _, headers = citizen_token(client, number, "陈重复")
    client.get("/api/v1/applications", headers=headers)
    body = {"matter": "vehicle-permit-issue", "plate": plate, "platform": platform,
            "mailing_address": ADDRESS}
    responses = fire_together([lambda: racing_app.test_client().post(
        "/api/v1/applications", json=body, headers={**headers, "Idempotency-Key": "once"})] * 4)
    assert [r.status_code for r in responses] == [201] * 4, [r.json for r in responses]
    assert {(r.json["number"], r.json["status"]) for r in responses} == {
        (responses[0].json["number"], "issued")}
    with racing_app.app_context():
        assert db.session.scalar(sa.select(sa.func.count()).select_from(Application)) == 1
        assert db.session.scalar(sa.select(sa.func.count()).select_from(Certificate).where(
            Certificate.plate == plate)) == 1
        assert current_value(NUMBER_COUNTER) == 1
