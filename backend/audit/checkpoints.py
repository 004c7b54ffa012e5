"""Signed checkpoints of the chained logs, kept outside the database.

The hash chain alone shows an altered row, a gap, or newest rows deleted while the counter
still remembers them. It cannot show what an operator with write access to the database does
with care: delete the newest rows *and* lower the counter, or rewrite a row and recompute every
later hash. A checkpoint is what the database cannot rewrite: a line in an append-only JSON
Lines file (``AUDIT_CHECKPOINTS_FILE``), signed with an Ed25519 key kept outside the database
(``AUDIT_KEYS_DIR``, the same layout as the certificate keys, ``backend.certificates.keys``),
saying "the log ``audit`` reached entry 1234, whose hash was …", together with a 16-character
digest of every entry since the log's previous checkpoint, so that ``verify`` names the first
rewritten entry and not only the checkpoint after it. Each line also carries the SHA-256 of
the line before it: a line removed from the file, or a line changed, breaks that link.

A line::

    {"at": "2026-12-06T09:30:00+00:00", "digests": ["3f2a…", …], "first": 1, "head": "<64 hex>",
     "kid": "ab12cd", "last": 12, "log": "audit", "prev": "<64 hex>", "sig": "<base64url>"}

``sig`` signs ``SIGNED_PREFIX`` followed by the line's canonical JSON without ``sig``.
``flask audit checkpoint --export`` prints the public keys and every line: what a witness
(another department, a notary, a write-once store) keeps, and ``verify --witness`` reads back.
"""

from __future__ import annotations

import base64
import dataclasses
import datetime as dt
import fcntl
import hashlib
import json
import os
from collections import deque
from collections.abc import Iterable, Iterator
from pathlib import Path

import sqlalchemy as sa
from cryptography.exceptions import InvalidSignature
from flask import current_app

from backend.audit.chain import CHAINS, GENESIS_HASH, Chain
from backend.certificates.keys import b64url, current_signer, public_keyset
from backend.certificates.tokens import public_keys
from backend.db import db

LOGS = {"audit": "audit_entries", "queries": "source_queries"}  # the name a command takes
LABELS = {"audit": "audit entry", "queries": "query log entry"}
DIGEST_CHARS = 16  # locates a rewritten entry; the signed full head hash is the strong check
MAX_ENTRIES = 10_000  # per line, so a first checkpoint of a long log is not one huge line
SIGNED_PREFIX = b"xm-wyc audit checkpoint v1\n"  # a checkpoint signature signs nothing else
EXPORT_FORMAT = "xm-wyc-audit-checkpoints/1"

_canonical = json.JSONEncoder(sort_keys=True, ensure_ascii=False, separators=(",", ":")).encode


@dataclasses.dataclass(frozen=True)
class Checkpoint:
    """One line of the checkpoint file whose signature checked out."""

    line: int  # 1-based, in the file (or the witness's copy)
    log: str
    first: int
    last: int
    digests: tuple[str, ...]
    head: str
    at: str

    def describe(self) -> str:
        return f"checkpoint line {self.line} of {self.at}"


@dataclasses.dataclass(frozen=True)
class FileProblem:
    """A line of the checkpoint file that is not what the checkpointer wrote."""

    line: int
    problem: str

    def __str__(self) -> str:
        return f"checkpoint line {self.line}: {self.problem}"


class CheckpointRefused(Exception):
    """The log is already broken where the new checkpoint would vouch for it."""


def chain_of(log: str) -> Chain:
    return next(chain for chain in CHAINS.values() if chain.model.__tablename__ == LOGS[log])


def digest(entry_hash: str) -> str:
    return entry_hash[:DIGEST_CHARS]


# -- writing ----------------------------------------------------------------------------------

def checkpoint_path() -> Path:
    return Path(current_app.config["AUDIT_CHECKPOINTS_FILE"])


def keys_dir() -> str:
    return current_app.config["AUDIT_KEYS_DIR"]


def write_checkpoints(logs: Iterable[str], now: dt.datetime) -> tuple[list[dict], list[str]]:
    """Append a checkpoint of each log whose head moved since its last one; return the lines
    written and why any log was refused one. The file is locked meanwhile: two checkpointers
    append one after the other."""
    signer = current_signer(keys_dir())
    path = checkpoint_path()
    path.parent.mkdir(parents=True, exist_ok=True)
    # O_APPEND: every write lands at the end, whatever else has the file open; 0600 from creation.
    descriptor = os.open(path, os.O_RDWR | os.O_APPEND | os.O_CREAT, 0o600)
    with os.fdopen(descriptor, "r+", encoding="utf-8") as handle:
        fcntl.flock(handle, fcntl.LOCK_EX)
        lines = [line for line in handle.read().splitlines() if line.strip()]
        problems = check_lines(lines, local_keyset())[1]
        if problems:  # never sign on top of lines someone else wrote
            return [], [f"{problems[0]}: run verify"]
        previous = line_hash(lines[-1]) if lines else GENESIS_HASH
        written, refused = [], []
        for log in logs:
            try:
                contents = list(_new_checkpoints(log, _last_reached(lines, log), now))
            except CheckpointRefused as refusal:
                refused.append(str(refusal))
                continue
            for content in contents:
                content = {**content, "prev": previous, "kid": signer.kid}
                content["sig"] = b64url(signer.private_key.sign(signed_bytes(content)))
                text = _canonical(content)
                handle.write(text + "\n")
                previous = line_hash(text)
                written.append(content)
        handle.flush()
        os.fsync(handle.fileno())
    return written, refused


def _last_reached(lines: list[str], log: str) -> tuple[int, str]:
    """The sequence number and head hash of the log's newest checkpoint in our own file."""
    for text in reversed(lines):
        content = json.loads(text)
        if content.get("log") == log:
            return content["last"], content["head"]
    return 0, GENESIS_HASH


def _new_checkpoints(log: str, reached: tuple[int, str], now: dt.datetime) -> Iterator[dict]:
    """Checkpoint contents for the entries after ``reached``, at most ``MAX_ENTRIES`` a line.
    Each new entry is checked on the way (its link and its hash): a checkpoint never vouches
    for a chain that is already broken."""
    chain = chain_of(log)
    last, head = reached
    if last and db.session.scalar(sa.select(chain.model.hash).where(chain.model.id == last)) != head:
        raise CheckpointRefused(f"{LABELS[log]} {last} is no longer what the last checkpoint "
                                "recorded: run verify")
    while True:
        entries = db.session.scalars(sa.select(chain.model).where(chain.model.id > last)
                                     .order_by(chain.model.id).limit(MAX_ENTRIES)).all()
        if not entries:
            return
        for entry in entries:
            _check_continues(log, chain, entry, last, head)
            last, head = entry.id, entry.hash
        yield {"log": log, "first": entries[0].id, "last": last, "head": head,
               "digests": [digest(entry.hash) for entry in entries],
               "at": now.isoformat(timespec="seconds")}


def _check_continues(log: str, chain: Chain, entry, last: int, head: str) -> None:
    label = f"{LABELS[log]} {entry.id}"
    if entry.id != last + 1:
        raise CheckpointRefused(f"{LABELS[log]} {last + 1} is missing: run verify")
    if entry.prev_hash != head or chain.hash_of(entry) != entry.hash:
        raise CheckpointRefused(f"{label} does not continue the checkpointed chain: run verify")


def signed_bytes(content: dict) -> bytes:
    return SIGNED_PREFIX + _canonical({k: v for k, v in content.items() if k != "sig"}).encode()


def line_hash(text: str) -> str:
    return hashlib.sha256(text.strip().encode()).hexdigest()


# -- reading and checking ---------------------------------------------------------------------

def read_lines(path: Path | None = None) -> list[str]:
    """The checkpoint file's lines; none when there is no file yet."""
    path = path or checkpoint_path()
    if not path.exists():
        return []
    return [line for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]


def export() -> dict:
    """What a witness keeps: the public keys and every checkpoint line, as written."""
    return {"format": EXPORT_FORMAT, "public_keys": public_keyset(keys_dir()),
            "checkpoints": [json.loads(line) for line in read_lines()]}


def read_witness(path: Path) -> tuple[list[str], dict]:
    """A witness's copy (``export``'s JSON): its lines, as the file holds them, and its keys."""
    copy = json.loads(path.read_text(encoding="utf-8"))
    if not isinstance(copy, dict) or copy.get("format") != EXPORT_FORMAT:
        raise ValueError(f"{path} is not an export of `flask audit checkpoint --export`")
    return [_canonical(content) for content in copy["checkpoints"]], copy["public_keys"]


def check_lines(lines: list[str], keyset: dict) -> tuple[list[Checkpoint], list[FileProblem]]:
    """The checkpoints whose signature verifies, and every problem of the file: a line that is
    not a checkpoint, a signature that does not verify (forged or altered), a broken link to
    the line before (a line removed, inserted or changed)."""
    keys = public_keys(keyset)
    checkpoints, problems, previous = [], [], GENESIS_HASH
    for number, text in enumerate(lines, start=1):
        try:
            content = json.loads(text)
            checkpoint = _checkpoint(number, content)
        except (ValueError, KeyError, TypeError):
            problems.append(FileProblem(number, "not a checkpoint line"))
            continue
        if content.get("prev") != previous:
            problems.append(FileProblem(number, "does not link to the line before it "
                                                "(a line was removed, inserted or changed)"))
        if _signature_verifies(content, keys):
            checkpoints.append(checkpoint)
        else:
            problems.append(FileProblem(number, "signature does not verify (forged or altered)"))
        previous = line_hash(text)
    return checkpoints, problems


def _checkpoint(number: int, content: dict) -> Checkpoint:
    checkpoint = Checkpoint(number, content["log"], int(content["first"]), int(content["last"]),
                            tuple(content["digests"]), str(content["head"]), str(content["at"]))
    if checkpoint.log not in LOGS or len(checkpoint.digests) != checkpoint.last - checkpoint.first + 1:
        raise ValueError("inconsistent checkpoint")
    return checkpoint


def _signature_verifies(content: dict, keys: dict) -> bool:
    key, signature = keys.get(str(content.get("kid"))), content.get("sig")
    if key is None or not isinstance(signature, str):
        return False
    try:
        key.verify(base64.urlsafe_b64decode(signature + "=" * (-len(signature) % 4)),
                   signed_bytes(content))
    except (ValueError, InvalidSignature):  # (binascii.Error is a ValueError)
        return False
    return True


def local_keyset() -> dict:
    return public_keyset(keys_dir())


def compare_with_witness(local: list[str], witnessed: list[str]) -> list[FileProblem]:
    """Our file must still hold, line for line, what the witness was given."""
    for number, text in enumerate(witnessed, start=1):
        if number > len(local):
            return [FileProblem(number, "in the witness's copy but gone from the checkpoint file")]
        if json.loads(local[number - 1]) != json.loads(text):
            return [FileProblem(number, "differs from the witness's copy")]
    return []


class Expected:
    """What the checkpoints of one log say about each entry, asked in sequence order."""

    def __init__(self, checkpoints: Iterable[Checkpoint]):
        self._pending = deque(sorted(checkpoints, key=lambda checkpoint: checkpoint.first))
        self.reach = max((checkpoint.last for checkpoint in self._pending), default=0)
        self.reached_by = next((c for c in self._pending if c.last == self.reach), None)
        self.count = len(self._pending)

    def disagreement(self, entry) -> str | None:
        """Why ``entry`` is not what its checkpoint recorded; None when it is, or when no
        checkpoint covers it."""
        while self._pending and self._pending[0].last < entry.id:
            self._pending.popleft()
        if not self._pending or self._pending[0].first > entry.id:
            return None
        checkpoint = self._pending[0]
        recorded = checkpoint.digests[entry.id - checkpoint.first]
        if digest(entry.hash) != recorded or (entry.id == checkpoint.last
                                              and entry.hash != checkpoint.head):
            return (f"differs from {checkpoint.describe()} (rewritten after it was "
                    "checkpointed, and the later hashes recomputed)")
        return None
