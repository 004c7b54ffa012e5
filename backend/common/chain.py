"""A decision's write phase: hash-chained logs (the audit log, the source query log), new
objects, plain rows and guarded updates, queued in memory and written in a few statements.

On SQLite the first write of a transaction takes the one writer lock (``backend.db``), so
everything a request writes is queued while it only reads, and written at the flush in one
short burst on the driver (``backend.common.sql``): guarded updates first (in the order they
were queued), then new objects (``add``) in the order their foreign keys need, each attached to
the session afterwards as if loaded, then updates that need their ids, then plain rows
(``Rows``, one statement per table), then the chained logs.

A decision that may lose a race to a unique constraint (two requests issuing a certificate for
one plate at once) queues its contested insert with ``add(…, contested=True)`` inside
``undone_on_conflict``: the write phase runs it first, with the queued updates, in a savepoint.
Should the constraint refuse it, the savepoint rolls back and everything queued inside that
block is dropped (nothing of it was written), and its ``on_conflict`` decides what to write
instead, still in the same transaction and writer lock.

``append`` queues an :class:`Entry` on the session without its id or hash. Whenever the session
flushes (and before it commits, or opens a savepoint), the queued entries get the next ids from
each log's gapless counter in one ``UPDATE … RETURNING``, are linked to the hash of the entry
before them, and are inserted with one ``INSERT`` per log: no ORM bookkeeping for rows that
are never changed again. The counter row stays locked until the transaction ends, so
concurrent writers still extend the chain one after the other.

Entries queued inside a savepoint that rolls back are never written: they were either written
inside the savepoint (its own commit flushes first) and rolled back with it, or are dropped
when it ends unwritten.
"""

from __future__ import annotations

import contextlib
import dataclasses
import functools
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
_GROUP = "chained_log_group"  # the ``on_conflict`` of the ``undone_on_conflict`` block, if any


@dataclasses.dataclass(frozen=True)
class ChainedLog:
    model: type
    counter: str
    hash_of: Callable[[object], str]


# Queues beside the logs: new model instances (inserted on the driver, then attached to the
# session), and ``UPDATE`` statements that must touch exactly one row (else 409), run before
# or after those inserts.
OBJECTS, UPDATES, LATE_UPDATES, CONTESTED = object(), object(), object(), object()
_QUEUES = (OBJECTS, UPDATES, LATE_UPDATES, CONTESTED)


@dataclasses.dataclass(frozen=True)
class Rows:
    """Plain rows queued the same way (written at the flush, in one statement per table), for
    rows written once and never changed through the ORM, like an application's history."""

    model: type
    counter = None


class Entry(types.SimpleNamespace):
    """An entry on its way into a log: the row's columns as attributes.

    A callable value is resolved when the entry is written: an id that exists only once the
    flush has inserted its row (a certificate issued in the same flush) can be recorded early.
    """


# (an encoder made once: ``json.dumps`` with options builds a new one every call)
_canonical_json = json.JSONEncoder(sort_keys=True, ensure_ascii=False, separators=(",", ":")).encode


def canonical_hash(content: dict) -> str:
    return hashlib.sha256(_canonical_json(content).encode()).hexdigest()


def _plain(session: Session | scoped_session) -> Session:
    return session() if isinstance(session, scoped_session) else session


def append(session: Session, log: ChainedLog, entry: Entry) -> None:
    """Queue ``entry``; numbered, linked and inserted at the session's next flush or commit."""
    session = _plain(session)
    owner = session.get_nested_transaction() or session.get_transaction()
    session.info.setdefault(_PENDING, []).append((owner, log, entry, session.info.get(_GROUP)))


@contextlib.contextmanager
def undone_on_conflict(session: Session, on_conflict: Callable[[Exception], None]):
    """Queue a step of a decision that stands or falls with its contested insert (queued in the
    block with ``add(…, contested=True)``; at most one per write phase).

    If the database refuses that insert, nothing queued in the block is written and
    ``on_conflict(error)`` is called in the write phase: the transaction and the writer lock
    are still held, what was queued before the block is queued still, and it may queue more
    and flush. In-memory changes made in the block are the caller's to undo there.

    The block only queues: the session does not autoflush in it, and flushing is an error
    (part of the block would be written before its contested insert was even queued).
    """
    session = _plain(session)
    if session.info.get(_GROUP) is not None:
        raise RuntimeError("undone_on_conflict blocks do not nest")
    session.info[_GROUP] = on_conflict  # (what the block queues is marked with it)
    try:
        with session.no_autoflush:
            yield
    finally:
        session.info[_GROUP] = None


def check_not_queuing(session: Session) -> None:
    """Called by the session's flush: refused inside ``undone_on_conflict``."""
    if session.info.get(_GROUP) is not None:
        raise RuntimeError("a flush inside undone_on_conflict")


def reserve(connection: sa.Connection, counter: str, count: int) -> int:
    """Advance ``counter`` by ``count``; return its new value (the last id reserved)."""
    from backend.common.sql import Statements  # (sql imports backend.db, which imports us)

    statements = Statements(connection)
    bump = "UPDATE counters SET value = value + :n WHERE name = :name RETURNING value"
    value = statements.value(bump, {"n": count, "name": counter}, write=True)
    if value is None:
        statements.write("INSERT INTO counters (name, value) VALUES (:name, 0) "
                         "ON CONFLICT (name) DO NOTHING", {"name": counter})
        value = statements.value(bump, {"n": count, "name": counter}, write=True)
    return value


def add(session: Session, instance, *, before_insert: Callable[[], None] | None = None,
        contested: bool = False) -> None:
    """Queue a new model instance: inserted at the next flush (after the rows its foreign keys
    point to), then attached to ``session`` like a loaded one, so later changes are tracked.
    Until then it is in memory only; its relationships may point to other queued instances.
    ``before_insert`` runs in the write phase right before the insert (to number it there).
    ``contested``: a unique constraint may refuse it; queued in ``undone_on_conflict``."""
    session = _plain(session)
    if contested and session.info.get(_GROUP) is None:
        raise RuntimeError("a contested insert must be queued inside undone_on_conflict")
    append(session, CONTESTED if contested else OBJECTS, (instance, before_insert))


def update_one(session: Session, statement: str, params: dict, conflict: tuple[str, str], *,
               after_inserts: bool = False, then: Callable[[], None] | None = None) -> None:
    """Queue an ``UPDATE`` that must change exactly one row (its ``WHERE`` says what the
    caller read); at the flush, no row changed is a 409 with the ``conflict`` message
    (Chinese, English): someone else changed the row since it was read.

    Updates run before the queued inserts (a certificate giving up its plate before the next
    one takes it), or ``after_inserts`` when a parameter is a function of an inserted row's id;
    ``then`` runs once the row is updated."""
    append(session, LATE_UPDATES if after_inserts else UPDATES, (statement, params, conflict, then))


def write_pending(session: Session) -> None:
    """Write everything queued now, in the session's current transaction.

    Called by the session after each flush (``backend.db.Session.flush``), so queued rows can
    refer to rows that flush inserted.
    """
    from backend.common.sql import Statements
    from backend.db import begin_writing

    pending = session.info.pop(_PENDING, None)
    if not pending:
        return
    statements = Statements()
    connection = statements.connection
    logs = [log for log in dict.fromkeys(log for _, log, _, _ in pending) if log not in _QUEUES]
    # Rows and log entries as the driver takes them, built before the writer lock: only what
    # is known once earlier rows are in (their ids) and the chains' links are left for it.
    prepared = {log: [_prepared(statements, entry) for _, entry_log, entry, _ in pending
                      if entry_log is log] for log in logs}
    begin_writing(connection)  # (SQLite: the writer lock, before anything below numbers rows)
    contested = [(item, group) for _, log, item, group in pending if log is CONTESTED]
    if len(contested) > 1:
        raise RuntimeError("one contested insert per write phase")
    if contested:
        statements.write("SAVEPOINT contested")
    _update(statements, [item for _, log, item, _ in pending if log is UPDATES])
    if contested:
        item, on_conflict = contested[0]
        try:
            _insert(session, statements, item)
        except sa.exc.IntegrityError as error:
            statements.write("ROLLBACK TO SAVEPOINT contested")
            statements.write("RELEASE SAVEPOINT contested")
            # Written so far in this phase: nothing (the savepoint took the updates back).
            session.info[_PENDING] = [queued for queued in pending
                                      if queued[3] is not on_conflict] + session.info.get(_PENDING, [])
            on_conflict(error)
            return
        statements.write("RELEASE SAVEPOINT contested")
    queued = [item for _, log, item, _ in pending if log is OBJECTS]
    for item in sorted(queued, key=lambda item: _dependency_order(item[0])):
        _insert(session, statements, item)
    _update(statements, [item for _, log, item, _ in pending if log is LATE_UPDATES])
    tails = session.info.setdefault(_TAILS, {})
    for log in sorted(logs, key=lambda log: isinstance(log, ChainedLog)):
        _write(statements, log, prepared[log], tails)


def _prepared(statements, entry: Entry) -> tuple[Entry, dict, list[str]]:
    """The entry, its row for the driver, and the names of its values still to be resolved."""
    row = statements.adapted(vars(entry))
    return entry, row, [name for name, value in row.items() if callable(value)]


def _insert(session: Session, statements, item: tuple) -> None:
    """Insert a queued instance (numbered first, if it is to be) and attach it to the session as
    if loaded. (Not ``session.add``: its cascade walks every relationship for objects to add
    too, and there are none: whatever a queued row refers to was in the database, and so in the
    session, before the row could be inserted.)"""
    instance, before_insert = item
    if before_insert is not None:
        before_insert()
    statements.insert_object(instance)
    session._save_or_update_impl(sa.inspect(instance))


def _update(statements, updates: list) -> None:
    for statement, params, conflict, then in updates:
        if statements.write(statement, {name: value() if callable(value) else value
                                        for name, value in params.items()}) != 1:
            from backend.errors import ApiError

            raise ApiError(409, *conflict)
        if then is not None:
            then()


def _dependency_order(instance) -> int:
    """Tables a foreign key points to come first (certificates, applications, mailing items)."""
    return _positions(instance.__table__.metadata)[instance.__table__.name]


@functools.cache
def _positions(metadata: sa.MetaData) -> dict[str, int]:
    return {table.name: position for position, table in enumerate(metadata.sorted_tables)}


def _write(statements, log: ChainedLog | Rows, items: list[tuple[Entry, dict, list[str]]],
           tails: dict) -> None:
    """Insert ``items`` (from ``_prepared``) in one statement: functions resolved, and for a
    chained log, ids from its counter and the hashes linked."""
    from backend.common.sql import adapt

    for entry, row, late in items:
        for name in late:
            value = row[name]()
            setattr(entry, name, value)
            row[name] = adapt(value, statements.sqlite)
    if log.counter is not None:
        last = reserve(statements.connection, log.counter, len(items))
        first = last - len(items) + 1
        previous = _hash_of_entry(statements.connection, log, first - 1, tails)
        for offset, (entry, row, _) in enumerate(items):
            entry.id, entry.prev_hash = first + offset, previous
            entry.hash = previous = log.hash_of(entry)
            row.update(id=entry.id, prev_hash=entry.prev_hash, hash=entry.hash)
        tails[log.counter] = (last, previous)
    statements.insert(log.model.__tablename__, [row for _, row, _ in items], adapted=True)


def _hash_of_entry(connection: sa.Connection, log: ChainedLog, entry_id: int,
                   tails: dict) -> str:
    """The hash of entry ``entry_id`` (the genesis hash before the first one).

    The last entry this transaction wrote is remembered: from its first ``reserve`` to its end
    the transaction holds the counter's row lock, so nobody else can have appended since. The
    memory is dropped when any transaction or savepoint rolls back, or the transaction ends.
    """
    from backend.common.sql import Statements

    tail_id, tail_hash = tails.get(log.counter, (None, None))
    if tail_id == entry_id:
        return tail_hash
    stored = Statements(connection).value(
        f"SELECT hash FROM {log.model.__tablename__} WHERE id = :id", {"id": entry_id})
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
