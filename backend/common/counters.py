"""Gapless named counters on top of the ``counters`` table."""

from __future__ import annotations

import sqlalchemy as sa

from backend.common.chain import reserve
from backend.db import db
from backend.licensing.models import Counter


def next_value(name: str) -> int:
    """Return the next value of counter ``name`` (1 for a new counter) inside the transaction.

    The row stays locked until the transaction ends, so numbers are handed out one at a time
    and a rollback releases its number for the next caller.
    """
    # Core statements on the session's connection: no ORM overhead, no autoflush.
    return reserve(db.session.connection(), name, 1)


def current_value(name: str) -> int:
    return db.session.scalar(sa.select(Counter.value).where(Counter.name == name)) or 0
