"""SAM frames: checksum rule, known frames, length and status checks."""

from __future__ import annotations

import pytest

from card_reader.errors import FrameError, SamStatusError
from card_reader.samframe import (
    SamStatus,
    build_base_information,
    build_frame,
    build_status_response,
    parse_base_information,
    parse_response,
)

TEXT = bytes(range(256))
PHOTO = bytes(1024)


@pytest.mark.parametrize(
    ("body", "frame"),
    [
        ("2001", "AAAAAA9669000320 0122"),  # find card
        ("2002", "AAAAAA9669000320 0221"),  # select card
        ("3001", "AAAAAA9669000330 0132"),  # read base information
        ("11FF", "AAAAAA9669000311 FFED"),  # SAM status
        ("61FF50", "AAAAAA9669000461 FF50CA"),  # set max RF bytes
    ],
)
def test_command_frames_match_the_ones_real_readers_accept(body: str, frame: str) -> None:
    assert build_frame(bytes.fromhex(body)) == bytes.fromhex(frame)


@pytest.mark.parametrize(
    ("frame", "status"),
    [
        ("AAAAAA96690004000090 94", SamStatus.SUCCESS),
        ("AAAAAA96690008 00009F 00000000 97", SamStatus.CARD_FOUND),
        ("AAAAAA96690004000080 84", SamStatus.NO_CARD_FOUND),
        ("AAAAAA96690004000041 45", SamStatus.READ_FAILED),
        ("AAAAAA9669000C000090 0000000000000000 9C", SamStatus.SUCCESS),
    ],
)
def test_known_response_frames_parse_to_their_status(frame: str, status: SamStatus) -> None:
    assert parse_response(bytes.fromhex(frame)).status is status


def test_read_response_has_the_documented_header_and_size() -> None:
    frame = build_base_information(TEXT, PHOTO)
    assert frame.startswith(bytes.fromhex("AAAAAA96690508000090 0100 0400"))
    assert len(frame) == 1295


def test_read_response_with_fingerprint_has_the_documented_header_and_size() -> None:
    frame = build_base_information(TEXT, PHOTO, bytes(1024))
    assert frame.startswith(bytes.fromhex("AAAAAA9669090A000090 0100 0400 0400"))
    assert len(frame) == 2321


def test_read_response_yields_text_and_photo() -> None:
    info = parse_base_information(build_base_information(TEXT, b"\x01" * 1024))
    assert (info.text, info.photo, info.fingerprint) == (TEXT, b"\x01" * 1024, None)


def test_read_response_accepts_an_empty_fingerprint() -> None:
    info = parse_base_information(build_base_information(TEXT, PHOTO, b""))
    assert info.fingerprint == b""


def test_bad_preamble_is_rejected() -> None:
    frame = bytearray(build_base_information(TEXT, PHOTO))
    frame[4] = 0x68
    with pytest.raises(FrameError, match="preamble"):
        parse_base_information(bytes(frame))


def test_length_field_must_match_the_frame_size() -> None:
    frame = build_base_information(TEXT, PHOTO)
    with pytest.raises(FrameError, match="length field"):
        parse_base_information(frame[:-2] + frame[-1:])


def test_any_flipped_bit_fails_the_checksum() -> None:
    frame = bytearray(build_base_information(TEXT, PHOTO))
    frame[500] ^= 0x10
    with pytest.raises(FrameError, match="checksum"):
        parse_base_information(bytes(frame))


def test_failure_status_is_a_typed_error_with_the_status() -> None:
    with pytest.raises(SamStatusError, match="0x41") as caught:
        parse_base_information(build_status_response(SamStatus.READ_FAILED))
    assert caught.value.status is SamStatus.READ_FAILED


def test_card_found_is_not_success_for_a_read() -> None:
    with pytest.raises(SamStatusError):
        parse_base_information(build_status_response(SamStatus.CARD_FOUND))


def test_unknown_status_keeps_the_raw_byte() -> None:
    with pytest.raises(SamStatusError, match="unknown SAM status") as caught:
        parse_base_information(build_status_response(0x55))
    assert caught.value.status == 0x55


def test_block_lengths_must_add_up() -> None:
    frame = build_frame(bytes([0, 0, 0x90]) + bytes.fromhex("01000400") + TEXT + PHOTO[:-1])
    with pytest.raises(FrameError, match="do not add up"):
        parse_base_information(frame)


def test_frame_too_short_for_a_status_is_rejected() -> None:
    with pytest.raises(FrameError, match="too short"):
        parse_response(build_frame(b"\x00\x00"))
