"""The latest position of each vehicle from the platforms' ``positionVehicle`` feed: one row per
platform and plate, moved forward by the intake, never back. The licensing check ``veh.gps_live``
reads it (``backend.vehicles.sources``) beside the GPS mirror departments may still export.
"""

from __future__ import annotations

import datetime as dt

import sqlalchemy as sa
from sqlalchemy.dialects import postgresql, sqlite

from backend.db import db
from backend.supervision.models import VehiclePosition


def record_latest(company_id: str, records: list[dict], received_at: dt.datetime) -> None:
    """Move each vehicle's latest position forward from validated ``positionVehicle`` records
    (``PositionTime`` in Unix seconds); an older point never replaces a newer one."""
    latest: dict[str, dict] = {}
    for record in records:
        known = latest.get(record["VehicleNo"])
        if known is None or record["PositionTime"] > known["PositionTime"]:
            latest[record["VehicleNo"]] = record
    if not latest:
        return
    rows = [{"company_id": company_id, "plate": plate,
             "position_at": dt.datetime.fromtimestamp(record["PositionTime"], dt.UTC),
             "longitude": record["Longitude"], "latitude": record["Latitude"],
             "encrypt": record.get("Encrypt"), "received_at": received_at}
            for plate, record in sorted(latest.items())]
    dialect = postgresql if db.session.get_bind().dialect.name == "postgresql" else sqlite
    table = VehiclePosition.__table__
    insert = dialect.insert(table)
    # One statement for many rows (executemany): compiled once, cached, sent in batches.
    db.session.execute(insert.on_conflict_do_update(
        index_elements=[table.c.company_id, table.c.plate],
        set_={name: insert.excluded[name]
              for name in ("position_at", "longitude", "latitude", "encrypt", "received_at")},
        where=insert.excluded.position_at > table.c.position_at), rows)


def last_position_at(plate: str) -> dt.datetime | None:
    """When any platform last reported a position of ``plate``."""
    return db.session.scalar(sa.select(sa.func.max(VehiclePosition.position_at))
                             .where(VehiclePosition.plate == plate))
