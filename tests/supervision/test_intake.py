"""The intake end to end: a licensed platform posts signed batches in both encodings; valid
records are stored, invalid ones listed, and what is stored is what the stores show."""

from __future__ import annotations

import datetime as dt

import pytest

from backend.supervision import baseinfo, events
from backend.supervision.interfaces import CATALOGUE
from backend.supervision.positions import last_position_at
from tests.supervision.platforms import (
    EVENT_TIME,
    PlatformClient,
    licensed_platform,
    record,
    with_secret,
)

ENCODINGS = ["json", "protobuf"]


@pytest.fixture
def platform(database):
    platform = licensed_platform()
    secret = with_secret(platform)
    database.session.commit()
    return platform, secret


@pytest.fixture
def sender(client, platform):
    return PlatformClient(client, *platform)


def orders(company_id: str, prefix: str, count: int) -> list[dict]:
    return [record("orderCreate", company_id, OrderId=f"{prefix}-{n}") for n in range(count)]


def stored_orders(company_id: str, prefix: str) -> list[str]:
    rows = events.query(f'SELECT "OrderId" FROM {events.view("orderCreate")} '
                        'WHERE "CompanyId" = ? AND "OrderId" LIKE ? ORDER BY 1',
                        [company_id, f"{prefix}-%"])
    return [row["OrderId"] for row in rows]


@pytest.mark.parametrize("encoding", ENCODINGS)
def test_orders_sent_in_either_encoding_are_stored(sender, encoding):
    answer = sender.send("orderCreate", orders(sender.company_id, f"ok-{encoding}", 3),
                         encoding=encoding)
    assert answer.status_code == 200, answer.json
    assert answer.json["accepted"] == 3 and answer.json["rejected"] == []
    assert stored_orders(sender.company_id, f"ok-{encoding}") == [f"ok-{encoding}-{n}" for n in range(3)]


@pytest.mark.parametrize("encoding", ENCODINGS)
def test_a_vehicle_sent_as_base_information_is_kept_under_its_plate(sender, encoding, database):
    vehicle = record("baseInfoVehicle", sender.company_id, VehicleNo="闽D6A001")
    answer = sender.send("baseInfoVehicle", [vehicle], encoding=encoding)
    assert answer.status_code == 200, answer.json
    stored = baseinfo.current(sender.company_id, "baseInfoVehicle", "闽D6A001")
    assert stored.data["VIN"] == vehicle["VIN"] and not stored.deleted


@pytest.mark.parametrize("encoding", ENCODINGS)
def test_a_vehicle_position_is_what_the_licensing_check_sees(sender, encoding):
    point = record("positionVehicle", sender.company_id, VehicleNo="闽D7B002")
    answer = sender.send("positionVehicle", [point], encoding=encoding, compress=True)
    assert answer.status_code == 200, answer.json
    assert last_position_at("闽D7B002") == EVENT_TIME


@pytest.mark.parametrize("encoding", ENCODINGS)
def test_invalid_records_are_listed_by_index_and_field_and_the_rest_stored(sender, encoding):
    batch = orders(sender.company_id, f"mixed-{encoding}", 3)
    batch[1]["DepLongitude"] = 10_000_000   # far outside China
    answer = sender.send("orderCreate", batch, encoding=encoding)
    assert answer.status_code == 200
    assert answer.json["accepted"] == 2
    [rejected] = answer.json["rejected"]
    assert (rejected["index"], rejected["field"], rejected["reason"]) == (1, "DepLongitude", "coordinate")
    assert stored_orders(sender.company_id, f"mixed-{encoding}") == [
        f"mixed-{encoding}-0", f"mixed-{encoding}-2"]


def test_every_interface_has_its_path():
    assert len(CATALOGUE) == 28
    assert CATALOGUE["positionVehicle"].path == "/ipc/v1/position/vehicle"


def test_the_gps_source_answers_the_feeds_latest_position(sender, app):
    from backend.verification.sources import Question, ask

    plate = "闽D8C003"
    older = record("positionVehicle", sender.company_id, VehicleNo=plate,
                   PositionTime=int(EVENT_TIME.timestamp()) - 600)
    assert sender.send("positionVehicle", [record("positionVehicle", sender.company_id,
                                                  VehicleNo=plate)]).status_code == 200
    assert sender.send("positionVehicle", [older]).status_code == 200   # late, and older
    with app.app_context():
        answer = ask([Question("gps", "position", {"plate": plate})])["gps.position"]
    assert answer.data == {"last_position_at": EVENT_TIME.astimezone(dt.UTC).isoformat()}


@pytest.mark.parametrize("encoding", ENCODINGS)
@pytest.mark.parametrize("ipc_type", sorted(CATALOGUE))
def test_every_interface_takes_a_record_in_either_encoding(sender, ipc_type, encoding):
    sent = record(ipc_type, sender.company_id)
    answer = sender.send(ipc_type, [sent], encoding=encoding, compress=encoding == "protobuf")
    assert answer.status_code == 200, answer.json
    assert (answer.json["ipc_type"], answer.json["accepted"]) == (ipc_type, 1)
    interface = CATALOGUE[ipc_type]
    if interface.kind == "base":
        key = baseinfo.natural_key(interface, sent)
        assert baseinfo.current(sender.company_id, ipc_type, key) is not None
    else:
        rows = events.query(f"SELECT count(*) AS n FROM {events.view(ipc_type)} "
                            'WHERE "CompanyId" = ?', [sender.company_id])
        assert rows[0]["n"] == 1


def test_a_vehicles_position_moves_forward_at_most_once_a_minute(sender):
    plate, start = "闽D8C004", int(EVENT_TIME.timestamp())
    for offset in (0, 30, 59, 90):
        point = record("positionVehicle", sender.company_id, VehicleNo=plate,
                       PositionTime=start + offset)
        assert sender.send("positionVehicle", [point]).status_code == 200
        expected = start + (90 if offset == 90 else 0)
        assert last_position_at(plate) == dt.datetime.fromtimestamp(expected, dt.UTC)
