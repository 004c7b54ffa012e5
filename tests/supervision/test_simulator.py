"""The platform simulator: a plausible, reproducible day in Xiamen, valid where no defect was
asked for, and sent through the real intake with the figures showing what was sent."""

from __future__ import annotations

import collections
import datetime as dt

import pytest

from backend.supervision import quality, simulator
from backend.supervision.interfaces import CATALOGUE, validate
from tests.supervision.platforms import licensed_platform

DAY = dt.date(2026, 12, 2)
PLATFORM = simulator.Platform("3502SIMTEST", "sim-test", "模拟测试出行有限公司",
                              "91350203MA31ABCD2Y", "闽交运管许可厦字350200000199号")


def day(**settings) -> list[simulator.Batch]:
    return simulator.simulate_day([PLATFORM], simulator.Settings(day=DAY, **settings))


def records(batches, ipc_type: str) -> list[dict]:
    return [r for b in batches if b.ipc_type == ipc_type for r in b.records]


@pytest.fixture(scope="module")
def clean_day():
    return day(vehicles=12, defect_share=0.0)


def test_the_same_seed_gives_the_same_day_and_another_seed_another():
    first, again = day(vehicles=3, seed=7), day(vehicles=3, seed=7)
    assert [(b.ipc_type, b.records, b.sent_at) for b in first] == \
        [(b.ipc_type, b.records, b.sent_at) for b in again]
    assert records(day(vehicles=3, seed=8), "orderCreate") != records(first, "orderCreate")


def test_without_defects_every_record_passes_the_intakes_validation(clean_day):
    refused = [(b.ipc_type, rejection) for b in clean_day for n, r in enumerate(b.records)
               for _, rejection in [validate(CATALOGUE[b.ipc_type], r, n)] if rejection]
    assert refused == []
    kinds = {b.ipc_type for b in clean_day}
    assert {"baseInfoCompany", "baseInfoVehicle", "baseInfoDriver", "orderCreate", "orderMatch",
            "operateDepart", "operateArrive", "operatePay", "positionVehicle",
            "ratedPassenger"} <= kinds


def test_places_are_in_xiamen_and_its_districts(clean_day):
    points = [(r[lon], r[lat]) for b in clean_day for r in b.records
              for lon, lat in [("Longitude", "Latitude"), ("DepLongitude", "DepLatitude"),
                               ("DestLongitude", "DestLatitude")] if lon in r]
    assert len(points) > 1000
    assert all(117_850_000 < lon < 118_450_000 and 24_350_000 < lat < 24_950_000
               for lon, lat in points)
    areas = {r["Address"] for r in records(clean_day, "orderCreate")}
    areas |= {r["OnArea"] for r in records(clean_day, "operatePay")}
    assert areas and {str(a) for a in areas} <= set(simulator.DISTRICTS)


def test_each_vehicle_reports_its_position_every_10_to_30_seconds_while_online(clean_day):
    times = collections.defaultdict(list)
    for r in records(clean_day, "positionVehicle"):
        times[r["VehicleNo"]].append(r["PositionTime"])
    gaps = [b - a for stamps in times.values() for a, b in zip(sorted(stamps), sorted(stamps)[1:], strict=False)]
    # (a gap may be shorter where one leg of the trip ends and the next begins)
    assert max(gaps) <= 30 and sorted(gaps)[len(gaps) // 2] >= 10


def test_an_order_goes_from_create_to_pay_in_order_with_a_plausible_fare(clean_day):
    by_order = collections.defaultdict(dict)
    for kind, field in [("orderCreate", "OrderTime"), ("orderMatch", "DistributeTime"),
                        ("operateDepart", "DepTime"), ("operateArrive", "DestTime"),
                        ("operatePay", "PayTime")]:
        for r in records(clean_day, kind):
            by_order[r["OrderId"]][kind] = r[field]
    paid = [steps for steps in by_order.values() if "operatePay" in steps]
    assert len(paid) > 20
    for steps in paid:
        assert list(steps.values()) == sorted(steps.values())
    for pay in records(clean_day, "operatePay"):
        assert 10 <= pay["Price"] <= 400 and 0.3 < pay["DriveMile"] < 80
        assert 8 < pay["DriveMile"] / (pay["DriveTime"] / 3600) < 45   # km/h in town


def test_a_share_of_the_fleet_is_unlicensed():
    vehicles, drivers = simulator.fleet_for(PLATFORM, simulator.Settings(
        day=DAY, vehicles=20, unlicensed_share=0.2))
    assert sum(not v.licensed for v in vehicles) == 4 and sum(not d.licensed for d in drivers) == 4
    # some cars have an unlicensed driver only, some are unlicensed with a licensed driver
    assert any(v.licensed and not d.licensed for v, d in zip(vehicles, drivers, strict=True))
    assert any(d.licensed and not v.licensed for v, d in zip(vehicles, drivers, strict=True))


def test_defects_show_up_as_asked():
    batches = day(vehicles=12, defect_share=0.2)
    refused = collections.Counter(rejection.reason for b in batches
                                  for n, r in enumerate(b.records)
                                  for _, rejection in [validate(CATALOGUE[b.ipc_type], r, n)]
                                  if rejection)
    assert refused["date"] > 0                                        # epoch-zero pay times
    pays = records(batches, "operatePay")
    created = {r["OrderId"] for r in records(batches, "orderCreate")}
    assert any(r["DriveTime"] == 0 for r in pays)
    assert any(r["OrderId"] not in created for r in pays)
    late = [b for b in batches if b.ipc_type == "positionVehicle"
            and any(b.sent_at.timestamp() - r["PositionTime"] > 3600 for r in b.records)]
    assert late


def test_a_simulated_day_through_the_intake_gives_the_figures_it_was_made_with(app, database):
    """In-process, with the fleet entered in the register: no defects, so every figure is
    whole, and positions arrive within the upload window."""
    registered = licensed_platform(company_id=f"3502SIM{DAY:%m%d}")
    platform = simulator.Platform(registered.company_id, registered.code, registered.name,
                                  registered.uscc, registered.licence_number)
    settings = simulator.Settings(day=DAY, vehicles=4, unlicensed_share=0.25, defect_share=0.0,
                                  upload_every=1800)
    simulator.register_fleet(platform, settings, actor="test")
    secrets = simulator.issue_credentials([platform], actor="test")
    database.session.commit()

    sent = simulator.simulate_and_send([platform], settings, secrets, simulator.in_process(app))

    assert sent["refused_batches"] == 0 and sent["rejected"] == {}
    assert sent["accepted"]["positionVehicle"] > 1000
    [figures] = quality.quality([registered], DAY, DAY)
    figures = figures.to_json()
    assert figures["completeness"]["orders_complete_share"] == 1.0
    assert figures["completeness"]["licensed_vehicles"] == 3
    assert figures["consistency"]["consistent_share"] == 1.0
    assert 0 < figures["timeliness"]["delay_p50_seconds"] <= 1800 + 15
    assert figures["validity"]["rejected_total"] == 0


def test_flask_setup_loads_a_simulated_day_the_console_shows(tmp_path):
    """On a fresh machine the demo data includes yesterday, simulated for the demo platforms
    and sent through the intake: the data-quality page shows its figures."""
    from backend.db import db
    from tests.conftest import make_app

    app = make_app(f"sqlite:///{tmp_path / 'wyc.sqlite3'}", tmp_path, LOAD_DEMO_DATA=True,
                   WTF_CSRF_ENABLED=False)
    try:
        result = app.test_cli_runner().invoke(args=["setup"])
        assert result.exit_code == 0, result.output
        assert "supervision demo:" in result.output
        yesterday = dt.datetime.now(simulator.XIAMEN_TZ).date() - dt.timedelta(days=1)
        with app.app_context():
            figures = {f.platform_code: f for f in quality.quality(
                quality.platforms_reporting(), yesterday, yesterday)}
        green = figures["xm-green-ride"]
        assert green.orders > 20 and green.positions > 1000 and green.licensed_vehicles >= 6
        client = app.test_client()
        client.post("/console/login", data={"username": "clerk", "password": "demo-clerk-2026"})
        page = client.get("/console/supervision/quality").get_data(as_text=True)
        assert f"{green.orders_complete} / {green.orders}" in page
    finally:
        with app.app_context():
            db.engine.dispose()


def test_the_command_sends_a_day_over_http_to_a_running_server(sqlite_app, tmp_path):
    """``simulate --url``: signed HTTP requests to a real server on loopback, with the secret
    ``flask supervision credentials`` printed."""
    import json
    import threading

    from werkzeug.serving import make_server

    from backend.db import db

    with sqlite_app.app_context():
        platform = licensed_platform(company_id="3502SIMHTTP")
        code = platform.code
        db.session.commit()
    runner = sqlite_app.test_cli_runner()
    issued = runner.invoke(args=["supervision", "credentials", code])
    assert issued.exit_code == 0, issued.output
    (tmp_path / "credentials.jsonl").write_text(issued.output)
    server = make_server("127.0.0.1", 0, sqlite_app)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        result = runner.invoke(args=[
            "supervision", "simulate", "--date", DAY.isoformat(), "--platforms", "1",
            "--vehicles", "2", "--defects", "0", "--upload-every", "7200",
            "--url", f"http://127.0.0.1:{server.server_port}",
            "--credentials", str(tmp_path / "credentials.jsonl")])
    finally:
        server.shutdown()
        thread.join()
    assert result.exit_code == 0, result.output
    sent = json.loads(result.output)
    assert sent["platforms"] == [code] and sent["refused_batches"] == 0
    assert sent["accepted"]["positionVehicle"] > 500 and sent["accepted"]["baseInfoVehicle"] == 2
    assert sent["rejected"] == {}


def test_over_http_the_command_needs_the_credentials(cli):
    result = cli.invoke(args=["supervision", "simulate", "--date", DAY.isoformat(),
                              "--url", "http://127.0.0.1:9"])
    assert result.exit_code != 0 and "--credentials" in result.output
