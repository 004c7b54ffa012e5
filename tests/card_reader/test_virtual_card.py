"""The virtual card: its APDU answers and its command line."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import IO, Any

import pytest

from card_reader.payload import encode_sam_frame
from card_reader.record import IdentityRecord
from card_reader.textblock import encode_text_block
from card_reader.virtual import DEFAULT_ATR, IdCardApplet, VirtualCard, load_content

RECORDS = Path(__file__).resolve().parent / "data" / "records"
REPO_ROOT = Path(__file__).resolve().parents[2]
EVENT_TIMEOUT = 5.0
MakeRecord = Callable[..., IdentityRecord]
RunCli = Callable[..., subprocess.CompletedProcess[str]]


@pytest.fixture
def applet(make_record: MakeRecord) -> IdCardApplet:
    return IdCardApplet(encode_text_block(make_record()))


def test_applet_answers_get_atr_whatever_the_power_state(applet: IdCardApplet) -> None:
    assert applet.control(4) == DEFAULT_ATR
    assert applet.control(0) is None
    assert applet.control(4) == DEFAULT_ATR


@pytest.mark.parametrize(
    ("apdu", "answer"),
    [
        ("00A40000026002", "9000"),
        ("00A40000026011", "6A82"),
        ("0036000000", "6C08"),
        ("00CA000000", "6D00"),
        ("A0B0000000", "6E00"),
        ("FFB0060000", "6B00"),
        ("00C0000010", "6985"),
    ],
)
def test_applet_answers_iso_status_words(applet: IdCardApplet, apdu: str, answer: str) -> None:
    assert applet.respond(bytes.fromhex(apdu)).hex().upper().endswith(answer)


def test_applet_serves_the_dn_code(applet: IdCardApplet) -> None:
    assert len(applet.respond(bytes.fromhex("80B0000020"))) == 34


def test_insert_without_vpcd_fails_within_its_timeout(
    make_record: MakeRecord, unused_port: int
) -> None:
    card = VirtualCard(make_record(), port=unused_port)
    with pytest.raises(OSError):
        card.insert(timeout=0.2)
    assert not card.inserted


@pytest.fixture
def unused_port() -> int:
    import socket

    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def test_content_loads_from_json_block_and_frame(make_record: MakeRecord, tmp_path: Path) -> None:
    record = make_record("hmt_residence")
    block = encode_text_block(record)
    (tmp_path / "block.bin").write_bytes(block)
    (tmp_path / "frame.bin").write_bytes(encode_sam_frame(record))
    assert load_content(RECORDS / "hmt_residence.json") == record
    assert load_content(tmp_path / "block.bin") == block
    assert load_content(tmp_path / "frame.bin") == block


# --- the command line, through pcscd ------------------------------------


@pytest.fixture
def virtual_card_process(
    vpcd_slot: Any, tmp_path: Path
) -> Iterator[Callable[..., subprocess.Popen[str]]]:
    """Start ``python -m card_reader.virtual``; stopped and reaped afterwards."""
    from card_reader import pcsc

    started: list[tuple[subprocess.Popen[str], IO[str]]] = []

    def start(*args: str) -> subprocess.Popen[str]:
        log = (tmp_path / f"virtual-{len(started)}.log").open("w")
        process = subprocess.Popen(
            [sys.executable, "-m", "card_reader.virtual", "--port", str(vpcd_slot.port), *args],
            cwd=REPO_ROOT,
            env={**os.environ, "PYTHONPATH": str(REPO_ROOT)},
            stdin=subprocess.PIPE,
            stderr=log,
            text=True,
        )
        started.append((process, log))
        return process

    yield start
    for process, log in started:
        if process.poll() is None:
            process.terminate()
        process.communicate(timeout=EVENT_TIMEOUT)
        log.close()
    pcsc.wait_for_removal(vpcd_slot.reader, timeout=EVENT_TIMEOUT)


def send(process: subprocess.Popen[str], command: str) -> None:
    assert process.stdin is not None
    process.stdin.write(command + "\n")
    process.stdin.flush()


def test_virtual_card_command_is_read_by_the_read_command(
    virtual_card_process: Callable[..., subprocess.Popen[str]], run_cli: RunCli, vpcd_slot: Any
) -> None:
    virtual_card_process(
        "--record",
        str(RECORDS / "foreign_permanent_2023.json"),
        "--chip-serial",
        "A1B2C3D4E5F60718",
    )
    result = run_cli("read", "--reader", vpcd_slot.reader, "--today", "2026-01-01")
    assert result.returncode == 0, result.stderr
    printed = json.loads(result.stdout)
    assert printed["chip_serial"] == "A1B2C3D4E5F60718"
    assert printed["name_en"] == "FERNANDEZ DE LA CRUZ GONZALEZ MARIA ELENA"


def test_virtual_card_command_removes_and_reinserts_on_request(
    virtual_card_process: Callable[..., subprocess.Popen[str]], vpcd_slot: Any
) -> None:
    from card_reader import pcsc

    process = virtual_card_process("--record", str(RECORDS / "resident_long_term.json"))
    pcsc.wait_for_card(vpcd_slot.reader, timeout=EVENT_TIMEOUT)
    send(process, "remove")
    pcsc.wait_for_removal(vpcd_slot.reader, timeout=EVENT_TIMEOUT)
    send(process, "insert")
    pcsc.wait_for_card(vpcd_slot.reader, timeout=EVENT_TIMEOUT)
    process.send_signal(signal.SIGUSR1)
    pcsc.wait_for_removal(vpcd_slot.reader, timeout=EVENT_TIMEOUT)
    process.send_signal(signal.SIGUSR2)
    pcsc.wait_for_card(vpcd_slot.reader, timeout=EVENT_TIMEOUT)
    send(process, "quit")
    assert process.wait(timeout=EVENT_TIMEOUT) == 0


def test_virtual_card_command_simulates_mid_read_removal(
    virtual_card_process: Callable[..., subprocess.Popen[str]], run_cli: RunCli, vpcd_slot: Any
) -> None:
    virtual_card_process(
        "--record", str(RECORDS / "resident_long_term.json"), "--remove-after", "4"
    )
    result = run_cli("read", "--reader", vpcd_slot.reader)
    assert (result.returncode, result.stdout) == (1, "")
    assert "CardRemovedError" in result.stderr
