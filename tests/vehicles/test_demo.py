"""The demo vehicles of ``make run`` do what the README says they do."""

import datetime as dt

import pytest

from backend.vehicles import rules
from backend.vehicles.demo import AGGREGATOR, LUJIANG, OWNER_A, VEHICLES, load_vehicle_demo
from tests.factories import citizen_token
from tests.vehicles.fleet import apply, failing


@pytest.fixture
def demo(client, database):
    load_vehicle_demo()
    return citizen_token(client, *OWNER_A)[1]


def test_each_demo_vehicle_passes_or_fails_exactly_its_rule(client, demo):
    for plate, _, platform, rule, _ in VEHICLES:
        response = apply(client, demo, plate=plate, platform=platform)
        assert response.status_code == 201, (plate, response.json)
        expected = ("issued", set()) if rule is None else ("rejected", {rule})
        assert (response.json["status"], failing(response)) == expected, plate


def test_the_demo_platform_list_offers_only_licensed_platforms(client, demo):
    codes = [p["code"] for p in client.get("/api/v1/platforms").json["items"]]
    # (the aggregator holds a licence too: drivers and vehicles may serve it)
    assert sorted(codes) == sorted(["xm-green-ride", LUJIANG, AGGREGATOR])


def test_demo_gps_goes_stale_after_ten_minutes_and_the_command_refreshes_it(client, demo, cli,
                                                                            monkeypatch):
    later = dt.datetime.now(dt.UTC) + dt.timedelta(minutes=11)
    monkeypatch.setattr(rules, "now", lambda: later)
    assert failing(apply(client, demo, plate="闽DD10001", platform="xm-green-ride")) == {"veh.gps_live"}
    monkeypatch.setattr(rules, "now", lambda: later - dt.timedelta(minutes=11))
    result = cli.invoke(args=["vehicles", "demo-gps-refresh"])
    assert result.exit_code == 0 and "14 vehicles" in result.output
    response = apply(client, demo, plate="闽DD10001", platform="xm-green-ride")
    assert response.json["status"] == "issued"
    assert failing(apply(client, demo, plate="闽DD10011", platform="xm-green-ride")) == {"veh.gps_live"}
