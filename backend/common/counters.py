"""Gapless named counters on top of the ``counters`` table."""

from __future__ import annotations

import sqlalchemy as sa

from backend.common.chain import reserve
from backend.common.sql import Statements
from backend.db import WRITER_LOCK, db
from backend.licensing.models import Counter


def next_value(name: str) -> int:
    """Return the next value of counter ``name`` (1 for a new counter) inside the transaction.

    The row stays locked until the transaction ends, so numbers are handed out one at a time
    and a rollback releases its number for the next caller.
    """
    # On the driver of the session's connection: no ORM overhead, no autoflush.
    return reserve(Statements().connection, name, 1)


def next_value_now(name: str) -> int:
    """The next value of counter ``name``, committed at once in a short transaction of its own.

    For numbers that may have gaps (application numbers): the counter row is locked only for
    that moment, not for the rest of the caller's transaction, so concurrent requests do not
    queue on it and cannot deadlock with the audit chain's counter, and on SQLite a request
    does not hold the one writer lock from its number to its end. When the caller's
    transaction is already writing on SQLite the number is taken in it (a second connection
    would wait for that transaction's lock forever).
    """
    engine = db.engine
    # (A test joined to one outer transaction hands us a Connection: stay inside it.)
    if not isinstance(engine, sa.Engine) or (
            engine.dialect.name == "sqlite" and WRITER_LOCK in db.session.connection().info):
        return next_value(name)
    with engine.connect() as connection:
        value = reserve(connection, name, 1)
        connection.commit()
    return value


def current_value(name: str) -> int:
    return db.session.scalar(sa.select(Counter.value).where(Counter.name == name)) or 0
