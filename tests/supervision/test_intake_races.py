"""Requests racing each other, each in its own committed transaction (as under several gunicorn
workers), on a database of their own (SQLite file, PostgreSQL schema): a nonce is still used
once, and base information still ends at the latest UpdateTime whatever order the requests
commit in."""

from __future__ import annotations

import random
import types

import pytest

from backend.db import db
from backend.supervision import baseinfo, events
from tests.conftest import POSTGRES_URL
from tests.harness import fire_together
from tests.supervision.platforms import PlatformClient, licensed_platform, record, with_secret

DATABASES = ["sqlite_app"] + (["committed_app"] if POSTGRES_URL else [])


@pytest.fixture(params=DATABASES)
def racing_app(request):
    return request.getfixturevalue(request.param)


def _committed_platform(app) -> types.SimpleNamespace:
    with app.app_context():
        platform = licensed_platform()
        secret = with_secret(platform)
        company_id = platform.company_id
        db.session.commit()
    return types.SimpleNamespace(company_id=company_id, secret=secret)


def _sender(app, platform) -> PlatformClient:
    return PlatformClient(app.test_client(), platform, platform.secret)


def test_the_same_signed_request_sent_at_once_by_several_workers_is_taken_once(racing_app):
    platform = _committed_platform(racing_app)
    batch = [record("orderCreate", platform.company_id, OrderId="RACE-1")]
    answers = fire_together([lambda: _sender(racing_app, platform).send(
        "orderCreate", batch, nonce="race-nonce-000001")] * 6)
    assert sorted(answer.status_code for answer in answers) == [200, 401, 401, 401, 401, 401]
    with racing_app.app_context():
        rows = events.query(f'SELECT count(*) AS n FROM {events.view("orderCreate")} '
                            'WHERE "CompanyId" = ?', [platform.company_id])
    assert rows[0]["n"] == 1


def test_racing_updates_of_one_vehicle_end_at_the_latest_update_time(racing_app):
    platform = _committed_platform(racing_app)
    times = [20261201080000 + hour * 10000 for hour in range(8)]
    random.Random(15).shuffle(times)

    def sender_of(update_time):
        vehicle = record("baseInfoVehicle", platform.company_id, VehicleNo="闽D0R001",
                         Flag=2, UpdateTime=update_time, Brand=str(update_time))
        return lambda: _sender(racing_app, platform).send("baseInfoVehicle", [vehicle])

    answers = fire_together([sender_of(update_time) for update_time in times])
    assert {answer.status_code for answer in answers} == {200}
    with racing_app.app_context():
        stored = baseinfo.current(platform.company_id, "baseInfoVehicle", "闽D0R001")
        assert (stored.update_time, stored.data["Brand"]) == (max(times), str(max(times)))
