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


COUNTERS = Counter.__table__
# (built once: building a statement costs several times what running it does)
_BUMP = (sa.update(COUNTERS).where(COUNTERS.c.name == sa.bindparam("counter"))
         .values(value=COUNTERS.c.value + sa.bindparam("count")).returning(COUNTERS.c.value))


def reserve(name: str, count: int, session: Session | None = None) -> int:
    """Advance counter ``name`` by ``count``; its new value (the last number reserved).

    Runs on the session's connection, not through the unit of work: counters are drawn while
    the session is flushing.
    """
    connection = (session or db.session()).connection()
    value = connection.scalar(_BUMP, {"counter": name, "count": count})
    if value is None:
        value = _start(connection, name, count)
    return value


def _start(connection: sa.Connection, name: str, count: int) -> int:
    """A new counter: created at 0 (by us, or by whoever raced us to it), then advanced."""
    connection.execute(_create(connection, name))
    return connection.scalar(_BUMP, {"counter": name, "count": count})


def _create(connection: sa.Connection, name: str):
    if connection.dialect.name == "postgresql":
        from sqlalchemy.dialects.postgresql import insert
    else:
        from sqlalchemy.dialects.sqlite import insert
    return insert(Counter).values(name=name, value=0).on_conflict_do_nothing()


def current_value(name: str) -> int:
    return db.session.scalar(sa.select(Counter.value).where(Counter.name == name)) or 0
