"""The camera worker's writes done for speed, kept here so no domain code needs them: a batch
of reads inserted with one statement on the database driver, a read already stored (a
redelivery) left out.

SQLAlchemy's per-value type processing cost more than the insert itself at thousands of
reads a second, so the values are given in the form the column types would have produced:
naive UTC times (on SQLite, as the text SQLAlchemy writes), enums by value.
"""

from __future__ import annotations

import datetime as dt

from backend.db import db

COLUMNS = ("seen_at", "received_at", "camera", "plate", "colour", "latitude", "longitude",
           "image_ref", "result", "platform_code", "companies", "blacklisted", "alert_id")


def insert_reads(rows: list[tuple], received_at: dt.datetime) -> int:
    """Insert reads received at ``received_at``, given as tuples of ``COLUMNS[0]`` (an aware
    datetime) and ``COLUMNS[2:]``; those already stored (camera, plate, seen_at) are left out.
    Returns how many were new."""
    if not rows:
        return 0
    connection = db.session.connection()
    sqlite = connection.dialect.name == "sqlite"
    marker = "?" if sqlite else "%s"
    text = _sqlite_time if sqlite else _naive_utc
    received = text(received_at)
    values = [(text(row[0]), received, *row[1:]) for row in rows]
    statement = (f"INSERT INTO enforcement_reads ({', '.join(COLUMNS)}) "
                 f"VALUES ({', '.join([marker] * len(COLUMNS))}) "
                 f"ON CONFLICT (plate, seen_at, camera) DO NOTHING")
    # (an executemany's rowcount is the sum of its rows inserted, on both drivers)
    return connection.exec_driver_sql(statement, values).rowcount


def _naive_utc(moment: dt.datetime) -> dt.datetime:
    return moment.astimezone(dt.UTC).replace(tzinfo=None)


def _sqlite_time(moment: dt.datetime) -> str:
    """As SQLAlchemy's SQLite DateTime stores it (microseconds always written)."""
    return _naive_utc(moment).isoformat(" ", "microseconds")
