"""Requests racing each other, each in its own committed transaction (as under several gunicorn
workers), on SQLite and PostgreSQL: a nonce is still used once, and base information still ends
at the latest UpdateTime whatever order the requests commit in."""

from __future__ import annotations

import random
import types
from concurrent.futures import ThreadPoolExecutor

from backend.db import db
from backend.supervision import baseinfo, events
from tests.supervision.platforms import PlatformClient, licensed_platform, record, with_secret


def _committed_platform(app) -> types.SimpleNamespace:
    with app.app_context():
        platform = licensed_platform()
        secret = with_secret(platform)
        company_id = platform.company_id
        db.session.commit()
    return types.SimpleNamespace(company_id=company_id, secret=secret)


def _sender(app, platform) -> PlatformClient:
    return PlatformClient(app.test_client(), platform, platform.secret)


def test_the_same_signed_request_sent_at_once_by_several_workers_is_taken_once(app_factory):
    app = app_factory()
    platform = _committed_platform(app)
    batch = [record("orderCreate", platform.company_id, OrderId="RACE-1")]

    def send(_n):
        return _sender(app, platform).send("orderCreate", batch, nonce="race-nonce-000001").status_code

    with ThreadPoolExecutor(6) as pool:
        codes = sorted(pool.map(send, range(6)))
    assert codes == [200, 401, 401, 401, 401, 401]
    with app.app_context():
        rows = events.query(f'SELECT count(*) AS n FROM {events.view("orderCreate")} '
                            'WHERE "CompanyId" = ?', [platform.company_id])
    assert rows[0]["n"] == 1


def test_racing_updates_of_one_vehicle_end_at_the_latest_update_time(app_factory):
    app = app_factory()
    platform = _committed_platform(app)
    times = [20261201080000 + hour * 10000 for hour in range(8)]
    random.Random(15).shuffle(times)

    def send(update_time):
        vehicle = record("baseInfoVehicle", platform.company_id, VehicleNo="闽D0R001",
                         Flag=2, UpdateTime=update_time, Brand=str(update_time))
        return _sender(app, platform).send("baseInfoVehicle", [vehicle]).status_code

    with ThreadPoolExecutor(8) as pool:
        assert set(pool.map(send, times)) == {200}
    with app.app_context():
        stored = baseinfo.current(platform.company_id, "baseInfoVehicle", "闽D0R001")
        assert (stored.update_time, stored.data["Brand"]) == (max(times), str(max(times)))
