"""Every vehicle rule at its boundary, through the app as an owner would meet it."""

import datetime as dt

import pytest

from backend.certificates import operations as certificates
from backend.certificates.models import Kind, Status
from backend.identity.operations import person_by_id_number, register_or_update
from backend.licensing import operations as licensing
from backend.licensing.rules import add_years
from backend.vehicles import rules
from tests.vehicles.fleet import apply, days, make_platform, make_vehicle, owner


def outcome(response, rule: str) -> str:
    return next(c["outcome"] for c in response.json["checks"] if c["rule"] == rule)


def check(response, rule: str) -> dict:
    return next(c for c in response.json["checks"] if c["rule"] == rule)


def held_before(number: str, plate: str) -> None:
    """The vehicle served a platform before; that certificate was cancelled."""
    holder = person_by_id_number(number) or register_or_update(number, "陈车主", actor="test")
    today = licensing.today()
    earlier = certificates.issue(kind=Kind.TRANSPORT, number=f"TEST-{plate}", holder=holder,
                                 valid_from=add_years(today, -5), valid_until=add_years(today, -1),
                                 actor="test", plate=plate, platform_code="old", valid_plate=plate)
    certificates.set_status(earlier, Status.CANCELLED, actor="test", reason="test")


def registered(years: int, shift_days: int = 0) -> str:
    return (add_years(licensing.today(), -years) + days(shift_days)).isoformat()


# -- veh.age --------------------------------------------------------------------------------

@pytest.mark.parametrize(("shift", "expected"), [(1, "pass"), (0, "pass"), (-1, "fail")],
                         ids=["day-before-3-years", "on-3-years", "day-after-3-years"])
def test_first_application_allows_at_most_three_years(client, shift, expected):
    number, headers = owner(client)
    plate = make_vehicle(number, first_registered_on=registered(3, shift))
    response = apply(client, headers, plate=plate, platform=make_platform())
    assert outcome(response, "veh.age") == expected
    assert response.json["status"] == ("issued" if expected == "pass" else "rejected")


@pytest.mark.parametrize(("shift", "expected"), [(1, "pass"), (0, "pass"), (-1, "fail")],
                         ids=["day-before-6-years", "on-6-years", "day-after-6-years"])
def test_vehicle_that_held_a_certificate_before_may_reapply_up_to_six_years(client, shift,
                                                                            expected):
    number, headers = owner(client)
    plate = make_vehicle(number, first_registered_on=registered(6, shift))
    held_before(number, plate)
    response = apply(client, headers, plate=plate, platform=make_platform())
    assert outcome(response, "veh.age") == expected
    if expected == "fail":
        assert "6 年" in check(response, "veh.age")["reason"]


def test_four_year_old_vehicle_passes_on_reapplication_but_not_on_first_application(client):
    number, headers = owner(client)
    platform = make_platform()
    never = make_vehicle(number, first_registered_on=registered(4))
    before = make_vehicle(number, first_registered_on=registered(4))
    held_before(number, before)
    assert outcome(apply(client, headers, plate=never, platform=platform), "veh.age") == "fail"
    assert outcome(apply(client, headers, plate=before, platform=platform), "veh.age") == "pass"


@pytest.mark.parametrize(("shift", "expected"), [(1, "pass"), (0, "fail")],
                         ids=["day-before-8-years", "on-8-years"])
def test_eight_years_is_the_cap_whatever_the_other_limits(client, app, monkeypatch, shift,
                                                          expected):
    monkeypatch.setitem(app.config, "VEHICLE_MAX_AGE_REAPPLY_YEARS", 10)
    number, headers = owner(client)
    plate = make_vehicle(number, first_registered_on=registered(8, shift))
    held_before(number, plate)
    response = apply(client, headers, plate=plate, platform=make_platform())
    assert outcome(response, "veh.age") == expected
    if expected == "pass":
        # Valid up to the day before the 8th registration anniversary: one day.
        assert response.json["status"] == "issued"
    else:
        assert "8 年" in check(response, "veh.age")["reason"]


@pytest.mark.parametrize(("today", "expected"), [(dt.date(2023, 3, 1), "pass"),
                                                 (dt.date(2023, 3, 2), "fail")])
def test_vehicle_registered_on_29_february_turns_three_on_1_march(client, monkeypatch, today,
                                                                 expected):
    monkeypatch.setattr(licensing, "today", lambda: today)
    number, headers = owner(client)
    plate = make_vehicle(number, first_registered_on="2020-02-29")
    response = apply(client, headers, plate=plate, platform=make_platform())
    assert outcome(response, "veh.age") == expected


# -- veh.gps_live ---------------------------------------------------------------------------

@pytest.fixture
def frozen_now(monkeypatch):
    instant = dt.datetime.now(dt.UTC).replace(microsecond=0)
    monkeypatch.setattr(rules, "now", lambda: instant)
    return instant


@pytest.mark.parametrize(("silence", "expected"), [
    (dt.timedelta(minutes=9, seconds=59), "pass"),
    (dt.timedelta(minutes=10), "pass"),
    (dt.timedelta(minutes=10, seconds=1), "fail"),
    (dt.timedelta(minutes=11), "fail"),
], ids=["9:59", "10:00", "10:01s", "11:00"])
def test_gps_must_have_reported_within_ten_minutes(client, frozen_now, silence, expected):
    number, headers = owner(client)
    plate = make_vehicle(number, gps=frozen_now - silence)
    response = apply(client, headers, plate=plate, platform=make_platform())
    assert outcome(response, "veh.gps_live") == expected


def test_gps_time_in_another_offset_is_compared_as_the_same_instant(client, frozen_now):
    number, headers = owner(client)
    beijing = dt.timezone(dt.timedelta(hours=8))
    plate = make_vehicle(number, gps=(frozen_now - dt.timedelta(minutes=10)).astimezone(beijing))
    response = apply(client, headers, plate=plate, platform=make_platform())
    assert outcome(response, "veh.gps_live") == "pass"


def test_vehicle_that_never_reported_a_position_fails_gps(client):
    number, headers = owner(client)
    response = apply(client, headers, plate=make_vehicle(number, gps=None), platform=make_platform())
    assert outcome(response, "veh.gps_live") == "fail"
    assert "卫星定位" in check(response, "veh.gps_live")["reason"]


def test_gps_silence_is_configurable(client, app, monkeypatch, frozen_now):
    monkeypatch.setitem(app.config, "VEHICLE_GPS_MAX_SILENCE_MINUTES", 5)
    number, headers = owner(client)
    plate = make_vehicle(number, gps=frozen_now - dt.timedelta(minutes=6))
    response = apply(client, headers, plate=plate, platform=make_platform())
    assert outcome(response, "veh.gps_live") == "fail"
    assert "5 分钟" in check(response, "veh.gps_live")["reason"]


# -- veh.category_seats, veh.power ----------------------------------------------------------

@pytest.mark.parametrize(("category", "seats", "expected"), [
    ("passenger_car", 7, "pass"), ("passenger_car", 8, "fail"), ("passenger_car", 2, "pass"),
    ("bus", 5, "fail"), ("truck", 2, "fail")])
def test_passenger_cars_with_at_most_seven_seats(client, category, seats, expected):
    number, headers = owner(client)
    plate = make_vehicle(number, category=category, seats=seats)
    assert outcome(apply(client, headers, plate=plate, platform=make_platform()),
                   "veh.category_seats") == expected


@pytest.mark.parametrize(("power", "expected"), [
    ("BEV", "pass"), ("PHEV", "fail"), ("HEV", "fail"), ("FCEV", "fail"), ("ICE", "fail")])
def test_only_battery_electric_vehicles_by_default(client, power, expected):
    number, headers = owner(client)
    plate = make_vehicle(number, power_type=power)
    response = apply(client, headers, plate=plate, platform=make_platform())
    assert outcome(response, "veh.power") == expected
    if expected == "fail":
        assert "纯电动" in check(response, "veh.power")["reason"]


def test_allowed_power_types_are_configurable(client, app, monkeypatch):
    monkeypatch.setitem(app.config, "VEHICLE_ALLOWED_POWER", ["BEV", "PHEV", "FCEV"])
    number, headers = owner(client)
    platform = make_platform()
    for power, expected in (("PHEV", "pass"), ("FCEV", "pass"), ("HEV", "fail")):
        plate = make_vehicle(number, power_type=power)
        assert outcome(apply(client, headers, plate=plate, platform=platform), "veh.power") == expected


# -- the others -------------------------------------------------------------------------------

@pytest.mark.parametrize(("shift", "expected"), [(0, "pass"), (-1, "fail")],
                         ids=["valid-today", "expired-yesterday"])
def test_inspection_valid_today(client, shift, expected):
    number, headers = owner(client)
    plate = make_vehicle(number, inspection_valid_until=(licensing.today() + days(shift)).isoformat())
    assert outcome(apply(client, headers, plate=plate, platform=make_platform()),
                   "veh.inspection") == expected


@pytest.mark.parametrize(("policies", "expected"), [
    ([0], "pass"), ([-1], "fail"), ([-400, -1, 30], "pass"), ([], "fail")],
    ids=["valid-today", "expired-yesterday", "one-of-many-valid", "none"])
def test_at_least_one_insurance_policy_valid_today(client, policies, expected):
    number, headers = owner(client)
    today = licensing.today()
    plate = make_vehicle(number, insurance=[{"valid_until": (today + days(d)).isoformat()}
                                            for d in policies])
    assert outcome(apply(client, headers, plate=plate, platform=make_platform()),
                   "veh.insurance") == expected


@pytest.mark.parametrize(("overrides", "expected"), [
    ({"valid_until_days": 0}, "pass"), ({"valid_until_days": -1}, "fail"),
    ({"status": "suspended"}, "fail"), ({"status": "normal"}, "pass")],
    ids=["valid-today", "expired-yesterday", "suspended", "status-normal"])
def test_platform_licence_valid_today(client, overrides, expected):
    number, headers = owner(client)
    overrides = dict(overrides)
    shift = overrides.pop("valid_until_days", 100)
    platform = make_platform(valid_until=(licensing.today() + days(shift)).isoformat(), **overrides)
    assert outcome(apply(client, headers, plate=make_vehicle(number), platform=platform),
                   "veh.platform_licensed") == expected


@pytest.mark.parametrize(("use", "expected"), [("reserved_taxi", "pass"), ("non_operating", "fail"),
                                               ("cruising_taxi", "fail")])
def test_use_nature_must_be_reserved_taxi(client, use, expected):
    number, headers = owner(client)
    plate = make_vehicle(number, use_nature=use)
    assert outcome(apply(client, headers, plate=plate, platform=make_platform()),
                   "veh.use_nature") == expected


@pytest.mark.parametrize("status", ["scrapped", "seized", "Normal"])
def test_registry_status_must_be_normal(client, status):
    number, headers = owner(client)
    plate = make_vehicle(number, status=status)
    assert outcome(apply(client, headers, plate=plate, platform=make_platform()),
                   "veh.registered") == "fail"


def test_plate_prefix_is_configurable(client, app, monkeypatch):
    monkeypatch.setitem(app.config, "VEHICLE_PLATE_PREFIX", "闽A")
    number, headers = owner(client)
    platform = make_platform()
    fuzhou, xiamen = make_vehicle(number, "闽AD20999"), make_vehicle(number, "闽DD20998")
    assert outcome(apply(client, headers, plate=fuzhou, platform=platform), "veh.plate_local") == "pass"
    assert outcome(apply(client, headers, plate=xiamen, platform=platform), "veh.plate_local") == "fail"


def test_owner_is_compared_by_id_number_not_by_name(client):
    number, headers = owner(client)
    plate = make_vehicle(number, owner_name="别的写法")
    assert outcome(apply(client, headers, plate=plate, platform=make_platform()),
                   "veh.owner") == "pass"
