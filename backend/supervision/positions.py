"""The latest position of each vehicle from the platforms' ``positionVehicle`` feed: one row per
platform and plate, moved forward by the intake, never back. The licensing check ``veh.gps_live``
reads it (``backend.vehicles.sources``) beside the GPS mirror departments may still export.

A vehicle reports every 10–30 s, and the check asks whether it reported in the last minutes, so
a row is moved forward only when the new point is at least ``REFRESH_SECONDS`` newer than what
this process last wrote for it (``_written``; a process that has not written the vehicle yet
writes it). Upserting every vehicle of every batch cost about 20–25 µs a point, most of a
position's cost in the intake. The stored time may lag a vehicle's newest point by up to
``REFRESH_SECONDS`` (twice that if a request that wrote it was then rolled back).
"""

from __future__ import annotations

import datetime as dt

import sqlalchemy as sa
from sqlalchemy.dialects import postgresql, sqlite

from backend.db import db
from backend.supervision.models import VehiclePosition

REFRESH_SECONDS = 60
MEMORY_LIMIT = 500_000
# What this process last wrote, per (CompanyId, plate): PositionTime in Unix seconds.
_written: dict[tuple[str, str], int] = {}


def record_latest(company_id: str, records: list[dict], received_at: dt.datetime) -> None:
    """Move each vehicle's latest position forward from validated ``positionVehicle`` records
    (``PositionTime`` in Unix seconds); an older point never replaces a newer one."""
    latest: dict[str, dict] = {}
    for record in records:
        known = latest.get(record["VehicleNo"])
        if known is None or record["PositionTime"] > known["PositionTime"]:
            latest[record["VehicleNo"]] = record
    due = [(plate, record) for plate, record in sorted(latest.items())
           if record["PositionTime"] - _written.get((company_id, plate), 0) >= REFRESH_SECONDS]
    if not due:
        return
    _upsert([{"company_id": company_id, "plate": plate,
              "position_at": dt.datetime.fromtimestamp(record["PositionTime"], dt.UTC),
              "longitude": record["Longitude"], "latitude": record["Latitude"],
              "encrypt": record.get("Encrypt"), "received_at": received_at}
             for plate, record in due])
    if len(_written) > MEMORY_LIMIT:
        _written.clear()
    _written.update(((company_id, plate), record["PositionTime"]) for plate, record in due)


def _upsert(rows: list[dict]) -> None:
    dialect = postgresql if db.session.get_bind().dialect.name == "postgresql" else sqlite
    table = VehiclePosition.__table__
    insert = dialect.insert(table)
    # One statement for many rows (executemany): compiled once, cached, sent in batches; the
    # WHERE keeps a newer row that a racing request wrote meanwhile.
    db.session.execute(insert.on_conflict_do_update(
        index_elements=[table.c.company_id, table.c.plate],
        set_={name: insert.excluded[name]
              for name in ("position_at", "longitude", "latitude", "encrypt", "received_at")},
        where=insert.excluded.position_at > table.c.position_at), rows)


def last_position_at(plate: str) -> dt.datetime | None:
    """When any platform last reported a position of ``plate`` (up to ``REFRESH_SECONDS``
    before its newest point)."""
    return db.session.scalar(sa.select(sa.func.max(VehiclePosition.position_at))
                             .where(VehiclePosition.plate == plate))
