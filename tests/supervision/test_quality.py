"""Data quality per platform and day, on a small hand-made day whose right answers are known:
the records go through the real intake (with the simulator's in-process sender, whose replayed
clock sets when each batch was received), the figures come from the stores."""

from __future__ import annotations

import datetime as dt

import pytest

from backend.certificates import operations as certificates
from backend.certificates.models import Kind, Status
from backend.identity.operations import register_or_update
from backend.supervision import quality, simulator
from backend.supervision.interfaces import BEIJING, CATALOGUE
from tests.factories import id_number
from tests.supervision.platforms import licensed_platform, record, with_secret

DAY = dt.date(2026, 12, 3)
DRIVER_A, DRIVER_B, DRIVER_X = (id_number(dt.date(1990 + n, 2, 3)) for n in range(3))


def at(hour: int, minute: int = 0, second: int = 0) -> dt.datetime:
    return dt.datetime(2026, 12, 3, hour, minute, second, tzinfo=BEIJING)


def on(ipc_type: str, company_id: str, moment: dt.datetime, **changes) -> dict:
    """A valid record of ``ipc_type`` whose every time field is ``moment``."""
    times = {f.name: simulator.f14(moment) if f.check == "f14" else int(moment.timestamp())
             for f in CATALOGUE[ipc_type].fields if f.check in ("f14", "ptime")}
    return record(ipc_type, company_id, **{**times, **changes})


def trip(company_id: str, order_id: str, driver: str, plate: str, steps: str, **pay) -> list:
    """The (ipc_type, record) of an order: ``steps`` among create, match, depart, arrive, pay,
    cancel, all at 09:00 on DAY."""
    names = {"create": "orderCreate", "match": "orderMatch", "depart": "operateDepart",
             "arrive": "operateArrive", "pay": "operatePay", "cancel": "orderCancel"}
    who = {"LicenseId": driver, "VehicleNo": plate}
    extra = {"match": who, "depart": who, "pay": {**who, **pay}}
    return [(names[step], on(names[step], company_id, at(9), OrderId=order_id,
                             **extra.get(step, {})))
            for step in steps.split()]


@pytest.fixture
def day(app, database):
    """One platform's hand-made day, sent through the intake; returns the platform."""
    platform = licensed_platform()
    company = platform.company_id
    owner = register_or_update(DRIVER_A, "测试车主", actor="test")
    issued = {plate: certificates.issue(
        kind=Kind.TRANSPORT, number=f"T-{company}-{plate}", holder=owner, actor="test",
        valid_from=dt.date(2026, 1, 10), valid_until=dt.date.fromisoformat(valid_until),
        plate=plate, platform_code=platform.code, valid_plate=plate)
        for plate, valid_until in [("闽DQ0001", "2027-06-01"), ("闽DQ0002", "2027-06-01"),
                                   ("闽DQ0003", "2027-06-01"), ("闽DQ0004", "2026-11-30")]}
    # 闽DQ0003's certificate is cancelled today, after DAY: it was in force on DAY.
    certificates.set_status(issued["闽DQ0003"], Status.CANCELLED, actor="test", reason="测试")
    secret = with_secret(platform)
    database.session.commit()

    base = [("baseInfoVehicle", record("baseInfoVehicle", company, VehicleNo=plate))
            for plate in ("闽DQ0001", "闽DQ0002")]
    base += [("baseInfoDriver", record("baseInfoDriver", company, LicenseId=driver))
             for driver in (DRIVER_A, DRIVER_B)]
    sent = [(kind, r, at(0, 1)) for kind, r in base]
    orders = (trip(company, "O1", DRIVER_A, "闽DQ0001", "create match depart arrive pay")
              + trip(company, "O2", DRIVER_A, "闽DQ0001", "create match depart arrive")
              + trip(company, "O3", DRIVER_B, "闽DQ0007", "create match cancel")
              + trip(company, "O4", DRIVER_X, "闽DQ0002", "create match depart arrive pay",
                     DriveTime=0)
              + trip(company, "O5", DRIVER_A, "闽DQ0001", "pay")
              + trip(company, "O6", DRIVER_A, "闽DQ0001", "pay", PayTime=19700101080000)
              + [("orderCreate", on("orderCreate", company, at(9), OrderId="O7",
                                    DepLongitude=10_000_000))])
    sent += [(kind, r, at(9, 1)) for kind, r in orders]
    # Positions received 20, 40 and 60 seconds after their time; 闽DQ0009 holds no certificate.
    for plate, moment, delay in [("闽DQ0001", at(10), 20), ("闽DQ0001", at(10, 0, 30), 40),
                                 ("闽DQ0009", at(11), 60)]:
        sent.append(("positionVehicle", on("positionVehicle", company, moment, VehicleNo=plate),
                     moment + dt.timedelta(seconds=delay)))
    batches = [simulator.Batch(company, kind, [r], moment.astimezone(dt.UTC))
               for kind, r, moment in sent]
    tally = simulator.send_day(batches, {company: secret}, simulator.in_process(app))
    assert not tally.refused, tally.refused
    return platform


def figures_of(platform) -> dict:
    [figures] = quality.quality([platform], DAY, DAY)
    return figures.to_json()


def test_completeness_counts_the_orders_with_depart_arrive_and_pay(day):
    completeness = figures_of(day)["completeness"]
    # O1, O2 and O4 were matched and not cancelled; O2 was never paid.
    assert (completeness["orders"], completeness["orders_complete"]) == (3, 2)
    assert completeness["orders_complete_share"] == 0.6667


def test_completeness_counts_the_licensed_vehicles_that_reported_positions(day):
    completeness = figures_of(day)["completeness"]
    # 闽DQ0001–3 were licensed on the day (0003 cancelled only later, 0004 expired before);
    # only 闽DQ0001 sent positions (闽DQ0009's do not count: it holds no certificate).
    assert completeness["licensed_vehicles"] == 3
    assert completeness["licensed_vehicles_reporting"] == 1


def test_timeliness_is_the_delay_from_position_time_to_receipt(day):
    timeliness = figures_of(day)["timeliness"]
    assert timeliness["positions"] == 3
    assert timeliness["delay_p50_seconds"] == 40.0
    assert timeliness["delay_p95_seconds"] == 58.0   # between 40 and 60, linearly


def test_validity_counts_rejections_by_reason_zero_trips_and_payments_without_order(day):
    validity = figures_of(day)["validity"]
    assert validity["rejected"] == {"coordinate": 1, "date": 1}
    assert validity["payments"] == 3                  # O1, O4, O5 (O6 was refused)
    assert validity["zero_mile_or_time"] == 1         # O4
    assert validity["pay_without_order"] == 1         # O5


def test_consistency_counts_orders_whose_driver_or_vehicle_the_platform_never_reported(day):
    consistency = figures_of(day)["consistency"]
    # O3's vehicle 闽DQ0007 and O4's driver are in no base information of the platform.
    assert consistency == {"orders": 4, "unknown_driver_or_vehicle": 2, "consistent_share": 0.5}


def test_a_day_without_data_has_zeros_and_no_shares(day):
    [figures] = quality.quality([day], DAY + dt.timedelta(days=1), DAY + dt.timedelta(days=1))
    figures = figures.to_json()
    assert figures["completeness"]["orders"] == 0
    assert figures["completeness"]["orders_complete_share"] is None
    assert figures["timeliness"]["delay_p50_seconds"] is None


def test_staff_get_the_figures_as_json(day, client, sign_in):
    from backend.staff.models import Role

    sign_in(Role.CLERK)
    answer = client.get(f"/supervision/quality?from={DAY}&to={DAY}")
    assert answer.status_code == 200
    mine = [f for f in answer.json["days"] if f["company_id"] == day.company_id]
    assert mine[0]["completeness"]["orders_complete"] == 2


def test_the_console_page_draws_a_chart_per_platform(day, client, sign_in):
    from backend.staff.models import Role

    sign_in(Role.CLERK)
    page = client.get(f"/console/supervision/quality?from={DAY}&to={DAY + dt.timedelta(days=1)}")
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    section = html[html.index(f'id="{day.code}"'):]
    assert "<svg" in section.split("</section>")[0] and "2 / 3" in section.split("</section>")[0]


def test_the_figures_are_for_staff_only(client):
    answer = client.get("/supervision/quality")
    assert answer.status_code == 401 and answer.json["message_en"]


def test_a_period_that_does_not_parse_is_refused_with_what_to_do(client, sign_in):
    from backend.staff.models import Role

    sign_in(Role.CLERK)
    answer = client.get("/supervision/quality?from=2026-13-01")
    assert answer.status_code == 400 and "YYYY-MM-DD" in answer.json["message_en"]
