"""Hash-chained, append-only logs: the audit log and the source query log.

A log's rows are added to the session like any other (``audit.record`` and the query log do
it). When the session flushes, this module's ``before_flush`` hook gives the new rows of each
chained model their ids from the log's gapless counter, in the order they were created, links
each to the hash of the row before it and computes its own hash. Ids and hashes are therefore
assigned inside the transaction that writes the rows: a rollback (of the transaction or of a
savepoint) takes the rows and the counter's step back together, and concurrent writers extend
a chain one after the other, queued on the counter's row lock.

Tampering shows: altering a row breaks its hash, deleting one leaves a gap or breaks the next
row's link, and deleting the newest ones leaves the counter ahead of the table.
"""

from __future__ import annotations

import dataclasses
import hashlib
import itertools
import json
from collections.abc import Callable

import sqlalchemy as sa
from sqlalchemy import event
from sqlalchemy.orm import Session

from backend.common.counters import TAKEN_FIRST, reserve

GENESIS_HASH = "0" * 64

# (an encoder made once: ``json.dumps`` with options builds a new one every call)
_canonical_json = json.JSONEncoder(sort_keys=True, ensure_ascii=False, separators=(",", ":")).encode


def canonical_hash(content: dict) -> str:
    return hashlib.sha256(_canonical_json(content).encode()).hexdigest()


@dataclasses.dataclass(frozen=True)
class Chain:
    model: type
    counter: str
    hash_of: Callable[[object], str]


CHAINS: dict[type, Chain] = {}
_created = itertools.count()  # rows are chained in the order they were created


def chained(model: type, counter: str, hash_of: Callable[[object], str]) -> None:
    """Make ``model`` (with ``id``, ``prev_hash`` and ``hash`` columns) a chained log."""
    CHAINS[model] = Chain(model, counter, hash_of)
    TAKEN_FIRST.add(counter)
    event.listen(model, "init", _stamp)


def _stamp(target, _args, _kwargs) -> None:
    target._chain_position = next(_created)


@event.listens_for(Session, "before_flush")
def _number_new_rows(session: Session, _context, _instances) -> None:
    new = {}
    for instance in session.new:
        if (chain := CHAINS.get(type(instance))) is not None:
            new.setdefault(chain, []).append(instance)
    if not new:
        return
    for chain in sorted(new, key=lambda chain: chain.counter):
        _link(session, chain, sorted(new[chain], key=lambda row: row._chain_position))


def _link(session: Session, chain: Chain, rows: list) -> None:
    last = reserve(chain.counter, len(rows), session)
    first = last - len(rows) + 1
    previous = session.connection().scalar(
        sa.select(chain.model.hash).where(chain.model.id == first - 1)) or GENESIS_HASH
    for offset, row in enumerate(rows):
        row.id, row.prev_hash = first + offset, previous
        row.hash = previous = chain.hash_of(row)
