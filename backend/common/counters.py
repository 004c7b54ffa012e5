"""Gapless named counters on top of the ``counters`` table."""

from __future__ import annotations

import sqlalchemy as sa
from sqlalchemy.orm import Session

from backend.common.models import Counter
from backend.db import db


def next_value(name: str, session: Session | None = None) -> int:
    """The next value of counter ``name`` (1 for a new counter), in the session's transaction.

    The row stays locked until the transaction ends, so numbers are handed out one at a time,
    and a rollback (of the transaction or of the savepoint it was drawn in) gives it back.
    Draw late: from here to its end the transaction holds the counter. (Transactions take
    counters in one order, so none waits for another that waits for it: a day's application
    numbers, then transport certificate numbers, and the logs' ids last, at the commit.)
    """
    return reserve(name, 1, session)


def reserve(name: str, count: int, session: Session | None = None) -> int:
    """Advance counter ``name`` by ``count``; its new value (the last number reserved).

    Runs on the session's connection, not through the unit of work: the chained logs reserve
    their ids while the session is flushing.
    """
    connection = (session or db.session()).connection()
    bump = (sa.update(Counter).where(Counter.name == name)
            .values(value=Counter.value + count).returning(Counter.value))
    value = connection.scalar(bump)
    if value is None:  # a new counter: created at 0 (by us, or by whoever raced us to it)
        connection.execute(_create(connection, name))
        value = connection.scalar(bump)
    return value


def _create(connection: sa.Connection, name: str):
    if connection.dialect.name == "postgresql":
        from sqlalchemy.dialects.postgresql import insert
    else:
        from sqlalchemy.dialects.sqlite import insert
    return insert(Counter).values(name=name, value=0).on_conflict_do_nothing()


def current_value(name: str) -> int:
    return db.session.scalar(sa.select(Counter.value).where(Counter.name == name)) or 0
