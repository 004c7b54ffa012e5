"""Reading the virtual card through the real pcscd, vpcd and pyscard.

Every wait is on a PC/SC event with a bound (``EVENT_TIMEOUT``); every
failure must be a typed error, never a hang and never a partial record.
"""

from __future__ import annotations

import json
import subprocess
import time
from collections.abc import Callable
from typing import Any

import pytest

from card_reader import pcsc
from card_reader.errors import (
    ApduError,
    BadResponseError,
    CardReaderError,
    CardRemovedError,
    CardTimeoutError,
    FrameError,
    NoCardError,
    NoReaderError,
    RecordError,
)
from card_reader.record import IdentityRecord
from card_reader.textblock import encode_text_block, replace_field
from card_reader.virtual import Faults, Garbage, VirtualCard

EVENT_TIMEOUT = 5.0
SERIAL = "0102030405060708"
PHOTO = bytes(range(256)) * 4  # stands in for the 1024-byte WLT photo
MakeRecord = Callable[..., IdentityRecord]
InsertCard = Callable[..., VirtualCard]
RunCli = Callable[..., subprocess.CompletedProcess[str]]


@pytest.mark.parametrize(
    "name",
    [
        "resident_long_term",
        "resident_x_check_digit",
        "hmt_residence",
        "foreign_permanent_2017",
        "foreign_permanent_2023",
    ],
)
def test_read_card_returns_the_record_with_chip_serial_and_photo(
    insert_card: InsertCard, make_record: MakeRecord, vpcd_slot: Any, name: str
) -> None:
    record = make_record(name, chip_serial=SERIAL, photo=PHOTO)
    insert_card(record)
    assert pcsc.read_card(vpcd_slot.reader) == record


def test_read_command_prints_the_json_with_chip_serial(
    insert_card: InsertCard, make_record: MakeRecord, run_cli: RunCli, vpcd_slot: Any
) -> None:
    insert_card(make_record("hmt_residence", chip_serial=SERIAL))
    result = run_cli("read", "--reader", vpcd_slot.reader, "--today", "2026-01-01")
    assert (result.returncode, result.stderr) == (0, "")
    printed = json.loads(result.stdout)
    assert printed["chip_serial"] == SERIAL
    assert printed["pass_number"] == "H12345678"


def test_read_command_uses_the_first_reader_by_default(
    insert_card: InsertCard, make_record: MakeRecord, run_cli: RunCli, vpcd_slot: Any
) -> None:
    if pcsc.list_readers()[0] != vpcd_slot.reader:
        pytest.skip("the first reader is busy with another card")
    insert_card(make_record(chip_serial=SERIAL))
    result = run_cli("read")
    assert json.loads(result.stdout)["id_number"] == "350203199003071236"


def test_card_removed_mid_read_is_a_typed_error(
    insert_card: InsertCard, make_record: MakeRecord, vpcd_slot: Any
) -> None:
    card = insert_card(make_record(), faults=Faults(remove_after=3))
    with pytest.raises(CardRemovedError):
        pcsc.read_card(vpcd_slot.reader)
    assert len(card.apdus) == 3
    pcsc.wait_for_removal(vpcd_slot.reader, timeout=EVENT_TIMEOUT)


def test_read_command_reports_mid_read_removal_on_one_line(
    insert_card: InsertCard, make_record: MakeRecord, run_cli: RunCli, vpcd_slot: Any
) -> None:
    insert_card(make_record(), faults=Faults(remove_after=2))
    result = run_cli("read", "--reader", vpcd_slot.reader, "--wait", "0")
    assert (result.returncode, result.stdout) == (1, "")
    assert result.stderr.count("\n") == 1
    assert "CardRemovedError" in result.stderr


def test_card_pulled_between_apdus_is_a_typed_error(
    insert_card: InsertCard, make_record: MakeRecord, vpcd_slot: Any
) -> None:
    card = insert_card(make_record())
    with pcsc.open_card(vpcd_slot.reader) as connection:
        assert connection.transmit(bytes.fromhex("0036000008"))[1] == 0x9000
        card.remove()
        pcsc.wait_for_removal(vpcd_slot.reader, timeout=EVENT_TIMEOUT)
        with pytest.raises(NoCardError):
            connection.transmit(bytes.fromhex("FFB0000000"))


@pytest.mark.parametrize(
    ("garbage", "error"),
    [
        (Garbage.SHORT, BadResponseError),
        (Garbage.STATUS, ApduError),
        (Garbage.NOISE, CardReaderError),
        (Garbage.STREAM, FrameError),
        (Garbage.TEXT, RecordError),
    ],
)
def test_card_answering_garbage_is_a_typed_error(
    insert_card: InsertCard,
    make_record: MakeRecord,
    vpcd_slot: Any,
    garbage: Garbage,
    error: type[Exception],
) -> None:
    insert_card(make_record(), faults=Faults(garbage=garbage))
    with pytest.raises(error):
        pcsc.read_card(vpcd_slot.reader)


def test_chaining_and_wrong_le_are_handled_through_pcscd(
    insert_card: InsertCard, make_record: MakeRecord, vpcd_slot: Any
) -> None:
    insert_card(make_record(chip_serial=SERIAL), faults=Faults(chaining=60, wrong_le=True))
    assert pcsc.read_card(vpcd_slot.reader).chip_serial == SERIAL


def test_invalid_record_on_the_card_exits_2(
    insert_card: InsertCard, make_record: MakeRecord, run_cli: RunCli, vpcd_slot: Any
) -> None:
    block = replace_field(encode_text_block(make_record()), "birth_date", "19900308")
    insert_card(block)
    result = run_cli("read", "--reader", vpcd_slot.reader)
    assert (result.returncode, result.stdout) == (2, "")
    assert "embeds birth date 1990-03-07" in result.stderr


def test_slow_card_hits_the_read_deadline(
    insert_card: InsertCard, make_record: MakeRecord, vpcd_slot: Any
) -> None:
    insert_card(make_record(), faults=Faults(delay=0.1))
    with pytest.raises(CardTimeoutError):
        pcsc.read_card(vpcd_slot.reader, deadline=0.15)


def test_unknown_reader_is_no_reader(pcscd: Any, run_cli: RunCli) -> None:
    with pytest.raises(NoReaderError):
        pcsc.read_card("No Such Reader")
    result = run_cli("read", "--reader", "No Such Reader")
    assert (result.returncode, result.stdout) == (1, "")
    assert "NoReaderError" in result.stderr


def test_empty_reader_is_no_card(vpcd_slot: Any) -> None:
    with pytest.raises(NoCardError):
        pcsc.read_card(vpcd_slot.reader)


def test_pcscd_not_running_is_service_unavailable(run_cli: RunCli, tmp_path: Any) -> None:
    # The client library finds pcscd through this socket; nothing listens there.
    result = run_cli("read", env={"PCSCLITE_CSOCK_NAME": str(tmp_path / "pcscd.comm")})
    assert (result.returncode, result.stdout) == (1, "")
    assert "ServiceUnavailableError" in result.stderr
    assert "pcscd is not running" in result.stderr


def test_wait_for_card_times_out_on_an_empty_reader(vpcd_slot: Any) -> None:
    started = time.monotonic()
    with pytest.raises(CardTimeoutError):
        pcsc.wait_for_card(vpcd_slot.reader, timeout=0.3)
    assert time.monotonic() - started < 2


def test_removal_and_reinsertion_are_seen_as_events(
    insert_card: InsertCard, make_record: MakeRecord, vpcd_slot: Any
) -> None:
    card = insert_card(make_record(chip_serial=SERIAL))
    card.remove()
    pcsc.wait_for_removal(vpcd_slot.reader, timeout=EVENT_TIMEOUT)
    assert not pcsc.card_present(vpcd_slot.reader)
    card.insert()
    assert pcsc.wait_for_card(vpcd_slot.reader, timeout=EVENT_TIMEOUT) == vpcd_slot.reader
    assert pcsc.read_card(vpcd_slot.reader).chip_serial == SERIAL
