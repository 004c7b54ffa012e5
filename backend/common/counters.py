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
    """
    return reserve(name, 1, session)


#: Counters every transaction takes first, together and in name order, before any other
#: (the chained logs' own): two transactions that took two counters in different orders would
#: each hold the one the other waits for (PostgreSQL; SQLite has one writer at a time).
TAKEN_FIRST: set[str] = set()
_TAKEN = "counters.taken_first"  # session.info: the transaction that holds them


def reserve(name: str, count: int, session: Session | None = None) -> int:
    """Advance counter ``name`` by ``count``; its new value (the last number reserved).

    Runs on the session's connection, not through the unit of work: the chained logs reserve
    their ids while the session is flushing.
    """
    session = session or db.session()
    connection = session.connection()
    _take_first(session, connection)
    bump = (sa.update(Counter).where(Counter.name == name)
            .values(value=Counter.value + count).returning(Counter.value))
    value = connection.scalar(bump)
    if value is None:  # a new counter: created at 0 (by us, or by whoever raced us to it)
        connection.execute(_create(connection, name))
        value = connection.scalar(bump)
    return value


def _take_first(session: Session, connection: sa.Connection) -> None:
    transaction = session.get_transaction()
    if session.info.get(_TAKEN) is transaction or connection.dialect.name != "postgresql":
        return
    connection.execute(sa.select(Counter.name).where(Counter.name.in_(sorted(TAKEN_FIRST)))
                       .order_by(Counter.name).with_for_update())
    session.info[_TAKEN] = transaction


def _create(connection: sa.Connection, name: str):
    if connection.dialect.name == "postgresql":
        from sqlalchemy.dialects.postgresql import insert
    else:
        from sqlalchemy.dialects.sqlite import insert
    return insert(Counter).values(name=name, value=0).on_conflict_do_nothing()


def current_value(name: str) -> int:
    return db.session.scalar(sa.select(Counter.value).where(Counter.name == name)) or 0
