"""Fixtures for the card_reader tests.

Decoding tests need nothing. PC/SC tests run against the real stack: the
session fixture ``pcscd`` starts ``pcscd --foreground --apdu`` (or shares a
pcscd that is already running, leaving it running), and ``insert_card``
connects a :class:`~card_reader.virtual.VirtualCard` to a free vpcd slot.
Waits are on PC/SC reader events, each bounded by a timeout.

pyscard is imported lazily, so the decoding tests run without it.
"""

from __future__ import annotations

import dataclasses
import json
import os
import subprocess
import sys
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pytest

from card_reader.record import IdentityRecord

if TYPE_CHECKING:
    from card_reader.daemon import PcscDaemon
    from card_reader.virtual import VirtualCard

REPO_ROOT = Path(__file__).resolve().parents[2]
DATA = Path(__file__).resolve().parent / "data"
#: Upper bound for any card or reader event in these tests.
EVENT_TIMEOUT = 5.0
#: Upper bound for a command-line run.
CLI_TIMEOUT = 30.0


@dataclasses.dataclass(frozen=True)
class Slot:
    """A vpcd reader and the port its virtual card connects to."""

    reader: str
    port: int


@pytest.fixture(scope="session")
def cases() -> dict[str, Any]:
    """The manifest of saved payloads (``data/cases.json``)."""
    return json.loads((DATA / "cases.json").read_text("utf-8"))


@pytest.fixture
def expected_json() -> Callable[[str], dict[str, Any]]:
    """The hand-written decode output for ``data/records/NAME.json``."""

    def load(name: str) -> dict[str, Any]:
        return json.loads((DATA / "records" / f"{name}.json").read_text("utf-8"))

    return load


@pytest.fixture
def make_record(expected_json: Callable[[str], dict[str, Any]]) -> Callable[..., IdentityRecord]:
    """Build a record from a stored one, with fields replaced."""

    def make(stored: str = "resident_long_term", /, **changes: Any) -> IdentityRecord:
        record = IdentityRecord.from_json_dict(expected_json(stored))
        return dataclasses.replace(record, **changes)

    return make


@pytest.fixture
def run_cli() -> Callable[..., subprocess.CompletedProcess[str]]:
    """Run ``python -m MODULE ARGS`` from the repository root."""

    def run(
        *args: str, module: str = "card_reader", env: dict[str, str] | None = None
    ) -> subprocess.CompletedProcess:
        environment = {**os.environ, "PYTHONPATH": str(REPO_ROOT), **(env or {})}
        return subprocess.run(
            [sys.executable, "-m", module, *args],
            cwd=REPO_ROOT,
            env=environment,
            capture_output=True,
            text=True,
            encoding="utf-8",
            timeout=CLI_TIMEOUT,
            check=False,
        )

    return run


@pytest.fixture(scope="session")
def vpcd_slot(pcscd: PcscDaemon) -> Slot:
    """The first vpcd slot that holds no card."""
    from card_reader import pcsc
    from card_reader.daemon import vpcd_port

    for reader in pcscd.vpcd_readers():
        if not pcsc.card_present(reader):
            return Slot(reader, vpcd_port(reader))
    pytest.fail("every vpcd slot already holds a card: stop the other virtual cards", pytrace=False)


@pytest.fixture
def insert_card(vpcd_slot: Slot) -> Iterator[Callable[..., VirtualCard]]:
    """Insert virtual cards into the free slot; all are removed afterwards.

    ``insert_card(content, wait=True, **options)`` returns the card once
    pcscd reports it present (``wait=False``: right after connecting).
    """
    from card_reader import pcsc
    from card_reader.virtual import VirtualCard

    cards: list[VirtualCard] = []

    def insert(
        content: IdentityRecord | bytes, *, wait: bool = True, **options: Any
    ) -> VirtualCard:
        card = VirtualCard(content, port=vpcd_slot.port, **options)
        cards.append(card)
        card.insert(timeout=EVENT_TIMEOUT)
        if wait:
            pcsc.wait_for_card(vpcd_slot.reader, timeout=EVENT_TIMEOUT)
        return card

    yield insert
    for card in cards:
        card.remove()
    pcsc.wait_for_removal(vpcd_slot.reader, timeout=EVENT_TIMEOUT)
