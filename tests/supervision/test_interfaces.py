"""The catalogue of national interfaces: every Appendix A field, the checks a record must pass,
and the protobuf schema built from the same tables."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest

from backend.supervision import ipc
from backend.supervision.interfaces import BEIJING, BY_URI, CATALOGUE, EVENT, validate
from tests.supervision.platforms import DRIVER, EVENT_TIME, record

COMPANY = "XMTEST0001"
WRONG_CHECK_DIGIT = DRIVER[:-1] + ("1" if DRIVER[-1] == "0" else "0")


def _refusal(ipc_type: str, **changes):
    _record, rejection = validate(CATALOGUE[ipc_type], record(ipc_type, COMPANY, **changes), 0)
    assert rejection is not None, changes
    return rejection.field, rejection.reason


def test_the_catalogue_has_the_28_interfaces_of_the_spec_with_their_codes_and_uris():
    assert len(CATALOGUE) == 28 and len(BY_URI) == 28
    assert (CATALOGUE["baseInfoDriver"].code, CATALOGUE["baseInfoDriver"].uri) == (0x1010, "/baseinfo/driver")
    assert (CATALOGUE["ratedDriver"].code, CATALOGUE["ratedDriver"].uri) == (0x5004, "/rated/driver")
    assert sum(1 for i in CATALOGUE.values() if i.kind == EVENT) == 14
    # operatePay skips field number 8, as the ministry's schema does
    assert 8 not in {f.number for f in CATALOGUE["operatePay"].fields}


@pytest.mark.parametrize("ipc_type", sorted(CATALOGUE))
def test_every_interface_accepts_a_complete_record_and_keys_it(ipc_type):
    interface = CATALOGUE[ipc_type]
    cleaned, rejection = validate(interface, record(ipc_type, COMPANY), 0)
    assert rejection is None, rejection
    assert set(interface.natural_key) <= set(cleaned)
    assert interface.time_field in cleaned


@pytest.mark.parametrize("ipc_type", sorted(CATALOGUE))
def test_every_interface_survives_the_protobuf_round_trip(ipc_type):
    interface = CATALOGUE[ipc_type]
    sent = record(ipc_type, COMPANY)
    [envelope] = ipc.parse(ipc.envelope_bytes(COMPANY, interface, [sent]))
    [received] = [ipc.record_dict(m) for m in getattr(envelope, ipc_type)]
    assert received == sent


@pytest.mark.parametrize("ipc_type", sorted(CATALOGUE))
def test_every_required_field_is_required(ipc_type):
    for field in CATALOGUE[ipc_type].fields:
        if field.required:
            assert _refusal(ipc_type, **{field.name: None}) == (field.name, "required")


@pytest.mark.parametrize(("ipc_type", "changes", "expected"), [
    ("orderCreate", {"OrderTime": 20260230101010}, ("OrderTime", "date")),       # no Feb 30
    ("orderCreate", {"OrderTime": 19700101000000}, ("OrderTime", "date")),       # epoch zero
    ("orderCreate", {"OrderTime": 20261206240000}, ("OrderTime", "date")),       # hour 24
    ("orderCreate", {"OrderTime": 2026120609000}, ("OrderTime", "date")),        # 13 digits
    ("baseInfoDriver", {"DriverBirthday": 20260229}, ("DriverBirthday", "date")),  # not a leap year
    ("operatePay", {"PayTime": 0}, ("PayTime", "date")),
    ("baseInfoVehicle", {"CertifyDateA": 2026120}, ("CertifyDateA", "date")),   # 7 digits
    ("baseInfoDriverStat", {"Cycle": 202613}, ("Cycle", "date")),
    ("orderCreate", {"DepLongitude": 118.089123}, ("DepLongitude", "type")),    # degrees, not 1e-6
    ("orderCreate", {"DepLatitude": 60_000_000}, ("DepLatitude", "coordinate")),
    ("orderCreate", {"Encrypt": 7}, ("Encrypt", "code")),
    ("orderCreate", {"Address": 999999}, ("Address", "area")),
    ("orderCreate", {"OrderId": "x" * 65}, ("OrderId", "length")),
    ("orderCreate", {"OrderId": 12345}, ("OrderId", "type")),
    ("orderCreate", {"Orderid": "typo"}, ("Orderid", "unknown_field")),
    ("orderCreate", {"OrderId": "A\x00B"}, ("OrderId", "characters")),          # PostgreSQL: no NUL
    ("orderCreate", {"Departure": "\ud800"}, ("Departure", "characters")),       # lone surrogate
    ("orderMatch", {"VehicleNo": "ABC123"}, ("VehicleNo", "plate")),
    ("orderMatch", {"LicenseId": WRONG_CHECK_DIGIT}, ("LicenseId", "id_number")),
    ("orderMatch", {"DriverPhone": "1234"}, ("DriverPhone", "phone")),
    ("baseInfoCompany", {"Identifier": "91350200MA3123456X"}, ("Identifier", "credit_code")),
    ("baseInfoCompany", {"Flag": 4}, ("Flag", "code")),
    ("baseInfoVehicle", {"VIN": "LSVAU2180N218329O"}, ("VIN", "vin")),
    ("baseInfoCompanyFare", {"MorningPeakTimeOn": "2460"}, ("MorningPeakTimeOn", "format")),
    ("ratedPassenger", {"ServiceScore": 6}, ("ServiceScore", "range")),
    ("operatePay", {"FactPrice": -1}, ("FactPrice", "range")),
    ("operatePay", {"DestTime": 20261206085959}, ("DestTime", "order")),          # before DepTime
    ("baseInfoVehicleInsurance", {"InsurExp": 20251201}, ("InsurExp", "order")),
    ("positionVehicle", {"PositionTime": 0}, ("PositionTime", "date")),
    ("positionVehicle", {"Direction": 360}, ("Direction", "range")),
    ("positionVehicle", {"Speed": True}, ("Speed", "type")),
])
def test_a_value_the_spec_does_not_allow_is_named_with_its_reason(ipc_type, changes, expected):
    assert _refusal(ipc_type, **changes) == expected


def test_position_time_in_seconds_milliseconds_or_f14_is_the_same_moment():
    seconds = int(EVENT_TIME.timestamp())
    sent = [seconds, seconds * 1000 + 250, int(EVENT_TIME.strftime("%Y%m%d%H%M%S"))]
    for value in sent:
        cleaned, _ = validate(CATALOGUE["positionVehicle"],
                              record("positionVehicle", COMPANY, PositionTime=value), 0)
        assert cleaned["PositionTime"] == seconds


def test_quoted_integers_and_floats_are_taken_as_protobuf_json_sends_them():
    cleaned, rejection = validate(CATALOGUE["operatePay"], record(
        "operatePay", COMPANY, DepLongitude="118089123", DriveMile="12.5", DepTime="20261206090000"), 0)
    assert rejection is None
    assert (cleaned["DepLongitude"], cleaned["DriveMile"], cleaned["DepTime"]) == (118089123, 12.5, 20261206090000)


def test_a_protobuf_string_that_is_not_utf8_is_named():
    interface = CATALOGUE["orderCreate"]
    body = ipc.envelope_bytes(COMPANY, interface, [record("orderCreate", COMPANY, OrderId="AAAA")])
    [envelope] = ipc.parse(body.replace(b"AAAA", b"\xff\xfeAA"))
    _cleaned, rejection = validate(interface, ipc.record_dict(envelope.orderCreate[0]), 0)
    assert (rejection.field, rejection.reason) == ("OrderId", "encoding")


def test_beijing_time_is_utc_plus_8():
    assert BEIJING.utcoffset(None) == dt.timedelta(hours=8)


def test_ipc_proto_in_the_repository_is_the_schema_the_intake_reads():
    committed = Path(ipc.__file__).with_name("ipc.proto").read_text(encoding="utf-8")
    assert committed == ipc.proto_text(), "run: python -c 'from backend.supervision import ipc; " \
                                          "print(ipc.proto_text(), end=\"\")' > backend/supervision/ipc.proto"
    assert "repeated PositionVehicle positionVehicle = 16386;" in committed
    assert "repeated OTIpc otpic = 1;" in committed
