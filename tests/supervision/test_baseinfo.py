"""Base information in the relational database: upserted per platform and natural key with
Flag 1/2/3, never moved back by an older UpdateTime, personal data kept only masked."""

from __future__ import annotations

import json

import pytest
import sqlalchemy as sa

from backend.audit.models import AuditEntry
from backend.supervision import baseinfo
from backend.supervision.interfaces import CATALOGUE
from backend.supervision.models import BaseRecord
from tests.supervision.platforms import record, signed_sender

T1, T2, T3 = 20261201080000, 20261202080000, 20261203080000


@pytest.fixture
def sender(client, database):
    return signed_sender(client, database)


def _vehicle(sender, update_time, flag=1, **changes):
    return record("baseInfoVehicle", sender.company_id, VehicleNo="闽D9E004", Flag=flag,
                  UpdateTime=update_time, **changes)


def _stored_vehicle(sender):
    return baseinfo.current(sender.company_id, "baseInfoVehicle", "闽D9E004")


@pytest.mark.parametrize("encoding", ["json", "protobuf"])
def test_an_update_replaces_and_a_delete_marks_the_record(sender, encoding):
    assert sender.send("baseInfoVehicle", [_vehicle(sender, T1, Brand="比亚迪")],
                       encoding=encoding).status_code == 200
    sender.send("baseInfoVehicle", [_vehicle(sender, T2, flag=2, Brand="吉利")], encoding=encoding)
    assert (_stored_vehicle(sender).data["Brand"], _stored_vehicle(sender).deleted) == ("吉利", False)
    sender.send("baseInfoVehicle", [_vehicle(sender, T3, flag=3)], encoding=encoding)
    assert _stored_vehicle(sender).deleted


def test_an_older_update_time_never_overwrites(sender):
    sender.send("baseInfoVehicle", [_vehicle(sender, T2, Brand="吉利")])
    answer = sender.send("baseInfoVehicle", [_vehicle(sender, T1, flag=2, Brand="比亚迪")])
    assert answer.status_code == 200
    assert answer.json["accepted"] == 0 and answer.json["superseded"] == [0]
    assert _stored_vehicle(sender).data["Brand"] == "吉利"


def test_a_deleted_record_is_not_brought_back_by_an_older_add(sender):
    sender.send("baseInfoVehicle", [_vehicle(sender, T2, flag=3)])
    sender.send("baseInfoVehicle", [_vehicle(sender, T1, flag=1)])
    assert _stored_vehicle(sender).deleted


def test_within_one_batch_the_latest_update_time_wins(sender):
    answer = sender.send("baseInfoVehicle", [_vehicle(sender, T3, Brand="新"),
                                             _vehicle(sender, T1, Brand="旧"),
                                             _vehicle(sender, T2, Brand="中")])
    assert answer.json["superseded"] == [1, 2]
    assert _stored_vehicle(sender).data["Brand"] == "新"


def test_resending_a_batch_keeps_one_row_per_key(sender, database):
    batch = [_vehicle(sender, T1), record("baseInfoVehicle", sender.company_id, VehicleNo="闽D9E005")]
    sender.send("baseInfoVehicle", batch)
    sender.send("baseInfoVehicle", batch)
    count = database.session.scalar(sa.select(sa.func.count()).select_from(BaseRecord).where(
        BaseRecord.company_id == sender.company_id))
    assert count == 2


def test_platforms_keep_their_own_records_under_the_same_key(client, database, sender):
    other_sender = signed_sender(client, database)
    sender.send("baseInfoVehicle", [_vehicle(sender, T1, Brand="甲")])
    other_sender.send("baseInfoVehicle", [record("baseInfoVehicle", other_sender.company_id,
                                                 VehicleNo="闽D9E004", Brand="乙")])
    assert _stored_vehicle(sender).data["Brand"] == "甲"
    assert baseinfo.current(other_sender.company_id, "baseInfoVehicle", "闽D9E004").data["Brand"] == "乙"


def test_driver_phones_names_and_addresses_are_not_kept_in_full(sender):
    driver = record("baseInfoDriver", sender.company_id, DriverName="陈大明", DriverPhone="13912345678",
                    DriverAddress="思明区某路1号", EmergencyContact="林小红",
                    EmergencyContactPhone="13800001111")
    assert sender.send("baseInfoDriver", [driver]).status_code == 200
    stored = baseinfo.current(sender.company_id, "baseInfoDriver", driver["LicenseId"]).data
    text = json.dumps(stored, ensure_ascii=False)
    assert "13912345678" not in text and "13800001111" not in text and "陈大明" not in text
    assert stored["DriverPhone"] == "139****5678" and stored["DriverName"] == "陈*明"
    assert "DriverAddress" not in stored
    assert stored["LicenseId"] == driver["LicenseId"]   # the key dual compliance matches on


def test_a_passengers_phone_is_their_key_only_as_a_keyed_hash(sender, database):
    passenger = record("baseInfoPassenger", sender.company_id, PassengerPhone="13655556666",
                       PassengerName="王五")
    sender.send("baseInfoPassenger", [passenger])
    sender.send("baseInfoPassenger", [{**passenger, "Flag": 3, "UpdateTime": 20261207080000}])
    rows = database.session.scalars(sa.select(BaseRecord).where(
        BaseRecord.company_id == sender.company_id, BaseRecord.interface == "baseInfoPassenger")).all()
    assert len(rows) == 1 and rows[0].deleted
    assert "13655556666" not in rows[0].natural_key + json.dumps(rows[0].data)
    assert rows[0].natural_key == baseinfo.natural_key(
        CATALOGUE["baseInfoPassenger"], passenger)


def test_each_batch_of_base_information_is_audited(sender, database):
    sender.send("baseInfoVehicle", [_vehicle(sender, T1)])
    entry = database.session.scalar(sa.select(AuditEntry).where(
        AuditEntry.action == "supervision.baseinfo.received",
        AuditEntry.actor == f"platform:{sender.company_id}"))
    assert entry.object_id == "baseInfoVehicle" and entry.after["applied"] == 1
