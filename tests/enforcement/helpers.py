"""Test data for the enforcement cameras: transport certificates, feed events in the event
store, camera messages."""

from __future__ import annotations

import datetime as dt
import itertools
import json

import sqlalchemy as sa

from backend.certificates import operations as certificates
from backend.certificates.models import Certificate, Kind, StatusChange
from backend.db import db, utcnow
from backend.identity.operations import register_or_update
from backend.supervision import events
from tests.factories import id_number

BEIJING = dt.timezone(dt.timedelta(hours=8))
_numbers = itertools.count(1)


def transport_certificate(plate: str, platform_code: str | None = None, *,
                          valid_from: dt.date = dt.date(2026, 1, 1),
                          valid_until: dt.date = dt.date(2030, 12, 31),
                          issued_days_ago: int = 30) -> Certificate:
    """A transport certificate issued ``issued_days_ago`` (its history says so)."""
    owner = register_or_update(id_number(dt.date(1980, 1, 1) + dt.timedelta(days=next(_numbers))),
                               "测试车主", actor="test")
    certificate = certificates.issue(
        kind=Kind.TRANSPORT, number=f"T-CAM-{next(_numbers):06d}", holder=owner, actor="test",
        valid_from=valid_from, valid_until=valid_until, plate=plate,
        platform_code=platform_code, valid_plate=plate)
    db.session.flush()
    issued = utcnow() - dt.timedelta(days=issued_days_ago)
    certificate.issued_at = certificate.status_changed_at = issued
    db.session.execute(sa.update(StatusChange).where(
        StatusChange.certificate_id == certificate.id).values(at=issued))
    return certificate


def feed_positions(company_id: str, plate: str, *moments: dt.datetime,
                   received_at: dt.datetime | None = None) -> None:
    """``positionVehicle`` records of the plate at these moments, in the app's event store."""
    records = [{"CompanyId": company_id, "VehicleNo": plate, "VehicleRegionCode": 350203,
                "PositionTime": int(moment.timestamp()), "Longitude": 118_116_300,
                "Latitude": 24_468_600, "Encrypt": 1, "OrderId": "0"} for moment in moments]
    table = events.build_table("positionVehicle", company_id, records,
                               received_at or dt.datetime.now(dt.UTC))
    events.store().write("positionVehicle", table)


def feed_order(company_id: str, plate: str, moment: dt.datetime, order_id: str) -> None:
    record = {"CompanyId": company_id, "Address": 350203, "OrderId": order_id,
              "LicenseId": id_number(dt.date(1988, 8, 8)), "DriverPhone": "13800000000",
              "VehicleNo": plate, "Encrypt": 1,
              "DistributeTime": int(moment.astimezone(BEIJING).strftime("%Y%m%d%H%M%S"))}
    events.store().write("orderMatch", events.build_table(
        "orderMatch", company_id, [record], dt.datetime.now(dt.UTC)))


def message(plate: str, moment: dt.datetime, camera: str = "XMAIR-T3-01", **changes) -> tuple:
    """(topic, payload) as a camera publishes a read (``changes`` replace its fields)."""
    body = {"plate": plate, "colour": "green", "seen_at": moment.isoformat(), "camera": camera,
            "lat": 24.537, "lon": 118.1332, "image_ref": "cam/0001.jpg", **changes}
    return f"cameras/{camera}/plates", json.dumps(body, ensure_ascii=False).encode()
