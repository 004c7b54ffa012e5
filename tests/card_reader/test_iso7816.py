"""APDU mechanics: 61xx, 6Cxx, status words and chunked READ BINARY."""

from __future__ import annotations

import pytest

from card_reader.errors import ApduError, BadResponseError
from card_reader.iso7816 import SW, build_apdu, read_binary, transmit, with_le


class ScriptedCard:
    """A connection answering from a list and recording what it was sent."""

    def __init__(self, *answers: tuple[bytes, int]) -> None:
        self.answers = list(answers)
        self.sent: list[bytes] = []

    def transmit(self, apdu: bytes) -> tuple[bytes, int]:
        self.sent.append(apdu)
        return self.answers.pop(0)


class EndlessMoreData:
    """A broken card that always claims more data."""

    def __init__(self) -> None:
        self.calls = 0

    def transmit(self, apdu: bytes) -> tuple[bytes, int]:
        self.calls += 1
        return b"x", 0x6110


def test_transmit_returns_data_on_success() -> None:
    card = ScriptedCard((b"\x01\x02", 0x9000))
    assert transmit(card, bytes.fromhex("0036000008")) == (b"\x01\x02", SW.SUCCESS)


def test_wrong_le_resends_the_same_apdu_with_the_le_the_card_asked_for() -> None:
    card = ScriptedCard((b"", 0x6C08), (b"12345678", 0x9000))
    data, _ = transmit(card, bytes.fromhex("0036000000"))
    assert data == b"12345678"
    assert card.sent == [bytes.fromhex("0036000000"), bytes.fromhex("0036000008")]


def test_wrong_le_is_retried_only_once() -> None:
    card = ScriptedCard((b"", 0x6C08), (b"", 0x6C04))
    with pytest.raises(ApduError) as caught:
        transmit(card, bytes.fromhex("0036000000"))
    assert caught.value.sw == 0x6C04


def test_more_data_is_collected_with_get_response() -> None:
    card = ScriptedCard((b"AB", 0x6103), (b"CDE", 0x6101), (b"F", 0x9000))
    data, sw = transmit(card, bytes.fromhex("FFB0000006"))
    assert (data, sw) == (b"ABCDEF", SW.SUCCESS)
    assert card.sent[1:] == [bytes.fromhex("00C0000003"), bytes.fromhex("00C0000001")]


def test_endless_more_data_ends_in_an_error_not_a_hang() -> None:
    card = EndlessMoreData()
    with pytest.raises(BadResponseError, match="GET RESPONSE"):
        transmit(card, bytes.fromhex("FFB0000000"))
    assert card.calls < 100


def test_error_status_word_raises_with_its_enum_member() -> None:
    card = ScriptedCard((b"", 0x6A82))
    with pytest.raises(ApduError, match="file not found") as caught:
        transmit(card, bytes.fromhex("00A40000026002"))
    assert caught.value.status is SW.FILE_NOT_FOUND


def test_unknown_status_word_keeps_the_raw_value() -> None:
    card = ScriptedCard((b"", 0x6A99))
    with pytest.raises(ApduError) as caught:
        transmit(card, bytes.fromhex("0036000008"))
    assert caught.value.sw == 0x6A99
    assert caught.value.status is None


@pytest.mark.parametrize(
    ("apdu", "le", "expected"),
    [
        ("FFB00000", 4, "FFB0000004"),  # case 1: Le appended
        ("FFB0000000", 4, "FFB0000004"),  # case 2: Le replaced
        ("00A40000026002", 0, "00A4000002600200"),  # case 3: Le appended
        ("00A400000260020A", 256, "00A4000002600200"),  # case 4: Le replaced
    ],
)
def test_with_le_sets_the_le_byte_for_every_apdu_case(apdu: str, le: int, expected: str) -> None:
    assert with_le(bytes.fromhex(apdu), le) == bytes.fromhex(expected)


def test_build_apdu_encodes_256_as_zero() -> None:
    assert build_apdu(0xFF, 0xB0, 1, 0, le=256) == bytes.fromhex("FFB0010000")


def test_read_binary_reads_in_chunks_with_the_offset_in_p1_p2() -> None:
    card = ScriptedCard((bytes(256), 0x9000), (bytes(256), 0x9000), (bytes(4), 0x9000))
    assert len(read_binary(card, 516, cla=0xFF)) == 516
    assert card.sent == [bytes.fromhex(h) for h in ("FFB0000000", "FFB0010000", "FFB0020004")]


def test_read_binary_continues_where_a_short_chunk_stopped() -> None:
    card = ScriptedCard((b"abc", 0x9000), (b"def", 0x9000))
    assert read_binary(card, 6, offset=0x10) == b"abcdef"
    assert card.sent == [bytes.fromhex("00B0001006"), bytes.fromhex("00B0001303")]


def test_read_binary_fails_when_the_file_ends_early() -> None:
    card = ScriptedCard((b"abc", 0x6282))
    with pytest.raises(BadResponseError, match="3 of 6"):
        read_binary(card, 6)


def test_read_binary_fails_on_an_empty_chunk() -> None:
    card = ScriptedCard((b"", 0x9000))
    with pytest.raises(BadResponseError):
        read_binary(card, 6)
