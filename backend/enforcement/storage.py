"""The camera worker's one write for speed: a batch of reads in one multi-row statement that
leaves out a read already stored (a redelivery). Domain code does not need it."""

from __future__ import annotations

from sqlalchemy.dialects import postgresql, sqlite

from backend.db import db
from backend.enforcement.models import CameraRead


def insert_reads(rows: list[dict]) -> int:
    """Insert the reads; those already stored (camera, plate, seen_at) are left out. Returns how
    many were new."""
    if not rows:
        return 0
    dialect = postgresql if db.session.get_bind().dialect.name == "postgresql" else sqlite
    statement = dialect.insert(CameraRead.__table__).on_conflict_do_nothing(
        index_elements=["camera", "plate", "seen_at"])
    return db.session.execute(statement, rows).rowcount
