"""Appending to and verifying the hash-chained audit log.

Each entry's hash covers its own content and the previous entry's hash, and entry ids come
from a gapless counter: altering a row breaks its hash, deleting one leaves a gap or breaks the
next entry's link, and deleting the newest ones leaves the counter ahead of the table.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import enum
from collections.abc import Iterator
from pathlib import Path

import sqlalchemy as sa

from backend.audit import checkpoints
from backend.audit.chain import (
    GENESIS_HASH,
    Entry,
    append,
    canonical_hash,
    chained,
    key_of,
    write_waiting,
)
from backend.audit.checkpoints import LABELS, Checkpoint, Expected, FileProblem
from backend.audit.models import AuditEntry
from backend.common.counters import current_value
from backend.db import Base, db, utcnow

__all__ = ["GENESIS_HASH", "canonical_hash", "record", "verify_chain", "verify_log"]
COUNTER = "audit.entries"


def _plain(value):
    """``value`` as JSON gives it back: dates as ISO text, enums as their values, tuples as
    lists, keys as text, model instances as their ids (what we hash must be exactly what the
    database gives back)."""
    if isinstance(value, Base):
        value = key_of(value)
    if isinstance(value, enum.Enum):
        value = value.value
    if value is None or isinstance(value, str | int | float):  # (bool is an int)
        return value
    if isinstance(value, dict):
        return {str(key): _plain(item) for key, item in value.items()}
    if isinstance(value, list | tuple):
        return [_plain(item) for item in value]
    if isinstance(value, dt.datetime | dt.date):
        return value.isoformat()
    raise TypeError(f"cannot put {type(value).__name__} in an audit entry")


def _normalise(payload: dict | None) -> dict | None:
    return None if payload is None else _plain(payload)


def entry_hash(entry: AuditEntry) -> str:
    return canonical_hash({
        "id": entry.id,
        "at": entry.at.isoformat(),
        "actor": entry.actor,
        "action": entry.action,
        "object_type": entry.object_type,
        "object_id": entry.object_id,
        "before": entry.before,
        "after": entry.after,
        "prev_hash": entry.prev_hash,
    })


def _resolve(entry: AuditEntry) -> None:
    """Objects named by the entry become their keys (they have one by now)."""
    entry.object_id = str(key_of(entry.object_id))
    entry.before, entry.after = _normalise(entry.before), _normalise(entry.after)


chained(AuditEntry, COUNTER, entry_hash, resolve=_resolve)


def record(actor: str, action: str, object_type: str, object_id: object,
           before: dict | None = None, after: dict | None = None) -> Entry:
    """Append one entry in the current transaction (numbered and chained when the session
    flushes). Never put unmasked ID numbers in here.

    ``object_id``, and values of ``before`` and ``after``, may be model instances: their keys
    are recorded once they have one (``backend.audit.chain.key_of``).
    """
    entry = Entry(at=utcnow(), actor=actor, action=action, object_type=object_type,
                  object_id=object_id, before=before, after=after)
    append(db.session(), entry, AuditEntry)
    return entry


@dataclasses.dataclass(frozen=True)
class ChainProblem:
    entry_id: int
    problem: str
    label: str = "audit entry"

    def __str__(self) -> str:
        return f"{self.label} {self.entry_id}: {self.problem}"


def _rows(model, batch: int = 1000) -> Iterator:
    last = 0
    while True:
        rows = db.session.scalars(
            sa.select(model).where(model.id > last).order_by(model.id).limit(batch)
        ).all()
        if not rows:
            return
        yield from rows
        last = rows[-1].id


def verify_chain(model=AuditEntry, counter: str = COUNTER, hash_of=None, *,
                 expected: Expected | None = None,
                 label: str = "audit entry") -> tuple[int, ChainProblem | None]:
    """Walk a hash chain from the start; return how many entries checked out and the first
    problem. The audit log by default; the source query log uses the same walk.

    ``expected`` holds what the signed checkpoints recorded (``backend.audit.checkpoints``):
    an entry that is not what its checkpoint recorded, or a log that no longer reaches the
    newest checkpoint, is a problem too, even when the chain itself is consistent."""
    hash_of = hash_of or entry_hash
    expected = expected or Expected(())
    write_waiting(db.session())  # entries this transaction made are part of the chain
    expected_id, prev_hash, checked = 1, GENESIS_HASH, 0
    for entry in _rows(model):
        problem = _entry_problem(entry, expected_id, prev_hash, hash_of, expected)
        if problem:
            return checked, ChainProblem(*problem, label)
        expected_id, prev_hash, checked = entry.id + 1, entry.hash, checked + 1
    if expected.reach >= expected_id:
        return checked, ChainProblem(expected_id, (
            f"missing ({expected.reached_by.describe()} recorded the log reaching "
            f"{expected.reach}: entries from here on were deleted)"), label)
    issued = current_value(counter)
    if issued >= expected_id:
        return checked, ChainProblem(
            expected_id, f"missing ({issued - expected_id + 1} newest entries deleted)", label)
    return checked, None


def _entry_problem(entry, expected_id: int, prev_hash: str, hash_of,
                   expected: Expected) -> tuple[int, str] | None:
    """The first entry that is wrong here and what is wrong with it, if anything is."""
    if entry.id != expected_id:
        return expected_id, f"missing (next stored entry is {entry.id})"
    if entry.prev_hash != prev_hash:
        return entry.id, "link to the previous entry is broken"
    if hash_of(entry) != entry.hash:
        return entry.id, "content was altered (hash mismatch)"
    disagreement = expected.disagreement(entry)
    return (entry.id, disagreement) if disagreement else None


@dataclasses.dataclass(frozen=True)
class LogReport:
    """``verify_log``'s answer: the chain's first problem, the checkpoint file's problems, and
    how far the checkpoints vouch for the log."""

    log: str
    checked: int
    problem: ChainProblem | None
    file_problems: list[FileProblem]
    checkpoints: list[Checkpoint]

    @property
    def intact(self) -> bool:
        return self.problem is None and not self.file_problems


def verify_log(log: str, witness: Path | None = None) -> LogReport:
    """Check one chained log (``audit`` or ``queries``) against itself and against the signed
    checkpoints: those of the checkpoint file, or of a witness's copy (whose public keys are
    then used, and which the file must still hold line for line)."""
    lines, file_problems = checkpoints.read_lines(), []
    if witness is None:
        keyset = checkpoints.local_keyset()
    else:
        witnessed, keyset = checkpoints.read_witness(witness)
        file_problems = checkpoints.compare_with_witness(lines, witnessed)
        lines = witnessed
    valid, problems = checkpoints.check_lines(lines, keyset)
    mine = [checkpoint for checkpoint in valid if checkpoint.log == log]
    chain = checkpoints.chain_of(log)
    checked, problem = verify_chain(chain.model, chain.counter, chain.hash_of,
                                    expected=Expected(mine), label=LABELS[log])
    return LogReport(log, checked, problem, file_problems + problems, mine)
