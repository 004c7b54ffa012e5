"""Hash-chained, append-only logs: the audit log and the source query log.

``audit.record`` and the query log's ``sources.log`` hand a log's new rows to ``append``;
this module writes them when the session's transaction commits: each chained model's rows get their ids from the log's gapless counter, in the order
they were created, each is linked to the hash of the row before it and hashed itself, and they
go in with one statement per log. Objects they name (a certificate issued by the same
request) have their ids by then.

Everything happens inside the transaction that made the rows: a rollback (of the transaction
or of a savepoint) drops them, and concurrent writers extend a chain one after the other,
queued on the counter's row lock. Written last, the logs hold that lock only from there to the
commit, not while the request decides.

Tampering shows: altering a row breaks its hash, deleting one leaves a gap or breaks the next
row's link, and deleting the newest ones leaves the counter ahead of the table.

(The rows are written here rather than by the unit of work, which would insert them one
statement each and could not give them ids in order, or their hashes, before it inserts them.)
"""

from __future__ import annotations

import dataclasses
import hashlib
import json
import types
from collections.abc import Callable

import sqlalchemy as sa
from sqlalchemy import event
from sqlalchemy.orm import DeclarativeBase, Session, SessionTransaction

from backend.common.counters import reserve
from backend.common.models import Counter

GENESIS_HASH = "0" * 64
_WAITING = "chained_logs.waiting"  # session.info: (transaction, chain, row) to write at the commit

# (an encoder made once: ``json.dumps`` with options builds a new one every call)
_canonical_json = json.JSONEncoder(sort_keys=True, ensure_ascii=False, separators=(",", ":")).encode


def canonical_hash(content: dict) -> str:
    return hashlib.sha256(_canonical_json(content).encode()).hexdigest()


def key_of(value):
    """What a log row records for an object it names: the model's ``__log_key__`` attribute
    (an application is known by its number), else its primary key; None while it has none.
    Anything that is not a model instance is recorded as it is."""
    if not isinstance(value, DeclarativeBase):
        return value
    name = getattr(type(value), "__log_key__", None)
    if name is not None:
        return getattr(value, name)
    return sa.inspect(value).mapper.primary_key_from_instance(value)[0]


@dataclasses.dataclass(frozen=True)
class Chain:
    model: type
    counter: str
    hash_of: Callable[[object], str]
    resolve: Callable[[object], None] | None  # named objects become their keys
    taking: sa.Update  # ids from the counter, and the hash before them (see ``_reserve``)
    inserting: sa.Insert


CHAINS: dict[type, Chain] = {}


def chained(model: type, counter: str, hash_of: Callable[[object], str], *,
            resolve: Callable[[object], None] | None = None) -> None:
    """Make ``model`` (with ``id``, ``prev_hash`` and ``hash`` columns) a chained log;
    ``resolve(row)`` turns the objects a row names into their keys before it is hashed."""
    counters, log = Counter.__table__, model.__table__
    # (built once: building a statement costs several times what running it does)
    previous = (sa.select(log.c.hash).where(log.c.id == counters.c.value - sa.bindparam("count"))
                .correlate(counters).scalar_subquery())
    taking = (sa.update(counters).where(counters.c.name == counter)
              .values(value=counters.c.value + sa.bindparam("count"))
              .returning(counters.c.value, previous))
    CHAINS[model] = Chain(model, counter, hash_of, resolve, taking, log.insert())


class Entry(types.SimpleNamespace):
    """A row on its way into a log: its columns as attributes (no ORM instance is needed for
    a row that is written once, by ``write_waiting``, and never changed)."""


def append(session: Session, row, log: type | None = None) -> None:
    """Add a new row of the chained log ``log`` (the row's own model if not given): written,
    in the order rows were added, when the session's transaction commits; dropped if the
    transaction or savepoint it was added in rolls back."""
    owner = session.get_nested_transaction() or session.get_transaction()
    session.info.setdefault(_WAITING, []).append((owner, CHAINS[log or type(row)], row))


@event.listens_for(Session, "before_commit")
def _write_before_commit(session: Session) -> None:
    if session.in_nested_transaction():  # (a savepoint released: its rows wait for the commit)
        return
    write_waiting(session)


def write_waiting(session: Session) -> None:
    """Write every log row the session holds back, in the session's current transaction (the
    commit does; so does whoever reads a log and must see this transaction's rows)."""
    session.flush()
    waiting = session.info.pop(_WAITING, None)
    if not waiting:
        return
    by_chain: dict[Chain, list] = {}
    for _, chain, row in waiting:
        by_chain.setdefault(chain, []).append(row)
    for chain in sorted(by_chain, key=lambda chain: chain.counter):
        _write(session, chain, by_chain[chain])


def _write(session: Session, chain: Chain, rows: list) -> None:
    last, previous = _reserve(session, chain, len(rows))
    first = last - len(rows) + 1
    for offset, row in enumerate(rows):
        if chain.resolve:
            chain.resolve(row)
        row.id, row.prev_hash = first + offset, previous
        row.hash = previous = chain.hash_of(row)
    columns = chain.model.__table__.columns
    session.connection().execute(chain.inserting, [
        {column.key: getattr(row, column.key) for column in columns} for row in rows])


def _reserve(session: Session, chain: Chain, count: int) -> tuple[int, str]:
    """Take ``count`` ids from the log's counter: the last of them, and the hash of the entry
    before the first (the genesis hash when there is none), in one statement. The counter's
    row stays locked until the transaction ends: nobody else writes to the log meanwhile."""
    connection = session.connection()
    row = connection.execute(chain.taking, {"count": count}).first()
    if row is None:  # the log's first entries: its counter is made first
        reserve(chain.counter, 0, session)
        row = connection.execute(chain.taking, {"count": count}).first()
    return row[0], row[1] or GENESIS_HASH


@event.listens_for(Session, "after_soft_rollback")
def _drop_rolled_back(session: Session, rolled_back: SessionTransaction) -> None:
    """Rows made in a transaction or savepoint that rolled back are dropped with it."""
    waiting = session.info.get(_WAITING)
    if waiting:
        session.info[_WAITING] = [item for item in waiting if not _within(item[0], rolled_back)]


@event.listens_for(Session, "after_transaction_end")
def _forget(session: Session, transaction: SessionTransaction) -> None:
    if transaction.parent is None:
        session.info.pop(_WAITING, None)


def _within(owner: SessionTransaction | None, transaction: SessionTransaction) -> bool:
    while owner is not None:
        if owner is transaction:
            return True
        owner = owner.parent
    return False
