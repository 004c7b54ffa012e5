"""Hash-chained, append-only logs (the audit log, the source query log), written in batches.

``append`` adds an entry to the session without its id or hash. When the session flushes, every queued entry
gets the next ids from the log's gapless counter in one ``UPDATE … RETURNING``, is linked to
the hash of the entry before it, and is inserted with the rest of the flush. One counter round
trip per flush instead of one per entry; the counter row stays locked until the transaction
ends, so concurrent writers still extend the chain one after the other.
"""

from __future__ import annotations

import dataclasses
import hashlib
import json
from collections.abc import Callable

import sqlalchemy as sa
from sqlalchemy import event
from sqlalchemy.orm import Session

GENESIS_HASH = "0" * 64
_PENDING = "chained_log_pending"


@dataclasses.dataclass(frozen=True)
class ChainedLog:
    model: type
    counter: str
    hash_of: Callable[[object], str]


def canonical_hash(content: dict) -> str:
    canonical = json.dumps(content, sort_keys=True, ensure_ascii=False, separators=(",", ":"))
    return hashlib.sha256(canonical.encode()).hexdigest()


def append(session: Session, log: ChainedLog, entry) -> None:
    # In the session now (so the next flush happens), numbered and linked in before_flush.
    session.add(entry)
    session.info.setdefault(_PENDING, []).append((log, entry))


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


@event.listens_for(Session, "before_flush")
def _write_pending(session: Session, _context, _instances) -> None:
    pending = session.info.pop(_PENDING, None)
    if not pending:
        return
    connection = session.connection()
    for log in dict.fromkeys(log for log, _ in pending):
        entries = [entry for entry_log, entry in pending if entry_log is log]
        last = reserve(connection, log.counter, len(entries))
        first = last - len(entries) + 1
        previous = connection.execute(
            sa.select(log.model.hash).where(log.model.id == first - 1)).scalar()
        previous = previous or GENESIS_HASH
        for offset, entry in enumerate(entries):
            entry.id, entry.prev_hash = first + offset, previous
            entry.hash = previous = log.hash_of(entry)
