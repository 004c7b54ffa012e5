"""Hash-chained, append-only logs (the audit log, the source query log), written in batches.

``append`` queues an :class:`Entry` on the session without its id or hash. Whenever the session
flushes (and before it commits, or opens a savepoint), the queued entries get the next ids from
each log's gapless counter in one ``UPDATE … RETURNING``, are linked to the hash of the entry
before them, and are inserted with one Core ``INSERT`` per log: no ORM bookkeeping for rows
that are never changed again. The counter row stays locked until the transaction ends, so
concurrent writers still extend the chain one after the other.

Entries queued inside a savepoint that rolls back are never written: they were either written
inside the savepoint (its own commit flushes first) and rolled back with it, or are dropped
when it ends unwritten.
"""

from __future__ import annotations

import dataclasses
import hashlib
import json
import types
from collections.abc import Callable

import sqlalchemy as sa
from sqlalchemy import event
from sqlalchemy.orm import Session, SessionTransaction, scoped_session

GENESIS_HASH = "0" * 64
_PENDING = "chained_log_pending"
_TAILS = "chained_log_tails"  # counter -> (id, hash) of the last entry this transaction wrote


@dataclasses.dataclass(frozen=True)
class ChainedLog:
    model: type
    counter: str
    hash_of: Callable[[object], str]


class Entry(types.SimpleNamespace):
    """An entry on its way into a log: the row's columns as attributes.

    A callable value is resolved when the entry is written: an id that exists only once the
    flush has inserted its row (a certificate issued in the same flush) can be recorded early.
    """


def canonical_hash(content: dict) -> str:
    canonical = json.dumps(content, sort_keys=True, ensure_ascii=False, separators=(",", ":"))
    return hashlib.sha256(canonical.encode()).hexdigest()


def append(session: Session, log: ChainedLog, entry: Entry) -> None:
    """Queue ``entry``; numbered, linked and inserted at the session's next flush or commit."""
    if isinstance(session, scoped_session):
        session = session()
    owner = session.get_nested_transaction() or session.get_transaction()
    session.info.setdefault(_PENDING, []).append((owner, log, entry))


def reserve(connection: sa.Connection, counter: str, count: int) -> int:
    """Advance ``counter`` by ``count``; return its new value (the last id reserved)."""
    bump = sa.text("UPDATE counters SET value = value + :n WHERE name = :name RETURNING value")
    value = connection.execute(bump, {"n": count, "name": counter}).scalar()
    if value is None:
        connection.execute(sa.text(
            "INSERT INTO counters (name, value) VALUES (:name, 0) ON CONFLICT (name) DO NOTHING"),
            {"name": counter})
        value = connection.execute(bump, {"n": count, "name": counter}).scalar_one()
    return value


def write_pending(session: Session) -> None:
    """Write every queued entry now, in the session's current transaction.

    Called by the session after each flush (``backend.db.Session.flush``), so entries can
    refer to rows that flush inserted.
    """
    pending = session.info.pop(_PENDING, None)
    if not pending:
        return
    connection = session.connection()
    tails = session.info.setdefault(_TAILS, {})
    for log in dict.fromkeys(log for _, log, _ in pending):
        _write(connection, log, [entry for _, entry_log, entry in pending if entry_log is log],
               tails)


def _write(connection: sa.Connection, log: ChainedLog, entries: list[Entry],
           tails: dict) -> None:
    last = reserve(connection, log.counter, len(entries))
    first = last - len(entries) + 1
    previous = _hash_of_entry(connection, log, first - 1, tails)
    for offset, entry in enumerate(entries):
        for name, value in vars(entry).items():
            if callable(value):
                setattr(entry, name, value())
        entry.id, entry.prev_hash = first + offset, previous
        entry.hash = previous = log.hash_of(entry)
    connection.execute(sa.insert(log.model.__table__), [vars(entry).copy() for entry in entries])
    tails[log.counter] = (last, previous)


def _hash_of_entry(connection: sa.Connection, log: ChainedLog, entry_id: int,
                   tails: dict) -> str:
    """The hash of entry ``entry_id`` (the genesis hash before the first one).

    The last entry this transaction wrote is remembered: from its first ``reserve`` to its end
    the transaction holds the counter's row lock, so nobody else can have appended since. The
    memory is dropped when any transaction or savepoint rolls back, or the transaction ends.
    """
    tail_id, tail_hash = tails.get(log.counter, (None, None))
    if tail_id == entry_id:
        return tail_hash
    stored = connection.execute(sa.select(log.model.hash).where(log.model.id == entry_id)).scalar()
    return stored or GENESIS_HASH


@event.listens_for(Session, "before_commit")
def _write_before_commit(session: Session) -> None:
    # A commit flushes only a session with ORM changes; queued entries alone must go too. The
    # flush (``backend.db.Session.flush``) writes them after any rows they refer to.
    if session.info.get(_PENDING):
        session.flush()


@event.listens_for(Session, "after_soft_rollback")
def _forget_tails(session: Session, _previous_transaction: SessionTransaction) -> None:
    session.info.pop(_TAILS, None)


@event.listens_for(Session, "after_transaction_end")
def _drop_unwritten(session: Session, transaction: SessionTransaction) -> None:
    """A transaction ending with entries of its own still queued rolled back: drop them."""
    if transaction.parent is None:
        session.info.pop(_TAILS, None)
    pending = session.info.get(_PENDING)
    if not pending:
        return
    if transaction.parent is None:
        session.info.pop(_PENDING)
        return
    session.info[_PENDING] = [item for item in pending if not _within(item[0], transaction)]


def _within(owner: SessionTransaction | None, transaction: SessionTransaction) -> bool:
    while owner is not None:
        if owner is transaction:
            return True
        owner = owner.parent
    return False
