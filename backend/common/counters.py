"""Gapless named counters on top of the ``counters`` table."""

from __future__ import annotations

import sqlalchemy as sa
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert

from backend.db import db
from backend.licensing.models import Counter


def next_value(name: str) -> int:
    """Return the next value of counter ``name`` (1 for a new counter) inside the transaction.

    The row stays locked until the transaction ends, so numbers are handed out one at a time
    and a rollback releases its number for the next caller.
    """
    bump = (
        sa.update(Counter).where(Counter.name == name)
        .values(value=Counter.value + 1).returning(Counter.value)
    )
    value = db.session.execute(bump).scalar()
    if value is not None:
        return value
    insert = pg_insert if db.session.get_bind().dialect.name == "postgresql" else sqlite_insert
    db.session.execute(insert(Counter).values(name=name, value=0).on_conflict_do_nothing())
    return db.session.execute(bump).scalar_one()


def current_value(name: str) -> int:
    return db.session.scalar(sa.select(Counter.value).where(Counter.name == name)) or 0
