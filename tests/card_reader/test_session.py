"""Reading through a connection, with the virtual card's applet in-process.

These cover the integrated-SAM reader profile without PC/SC; the same
behaviours are then checked through pcscd and vpcd in ``test_pcsc_stack``.
"""

from __future__ import annotations

from collections.abc import Callable

import pytest

from card_reader.errors import (
    ApduError,
    BadResponseError,
    CardReaderError,
    DecodeError,
    FrameError,
    RecordError,
)
from card_reader.payload import encode_reader_stream
from card_reader.record import IdentityRecord
from card_reader.session import read_chip_serial, read_identity, read_reader_stream
from card_reader.textblock import encode_text_block
from card_reader.virtual import DEFAULT_CHIP_SERIAL, Faults, Garbage, IdCardApplet

MakeRecord = Callable[..., IdentityRecord]


class AppletConnection:
    """Feeds APDUs straight to an applet and counts them."""

    def __init__(self, applet: IdCardApplet) -> None:
        self.applet = applet
        self.sent: list[bytes] = []

    def transmit(self, apdu: bytes) -> tuple[bytes, int]:
        self.sent.append(apdu)
        response = self.applet.respond(apdu)
        if len(response) < 2:
            raise BadResponseError("short response")
        return response[:-2], response[-2] << 8 | response[-1]


def connect(record: IdentityRecord, **faults: object) -> AppletConnection:
    return AppletConnection(IdCardApplet(encode_text_block(record), faults=Faults(**faults)))  # type: ignore[arg-type]


def test_chip_serial_is_uppercase_hex(make_record: MakeRecord) -> None:
    assert read_chip_serial(connect(make_record())) == DEFAULT_CHIP_SERIAL.hex().upper()


def test_stream_is_read_in_256_byte_blocks(make_record: MakeRecord) -> None:
    conn = connect(make_record())
    info = read_reader_stream(conn)
    assert (len(info.text), len(info.photo)) == (256, 1024)
    assert [apdu.hex().upper() for apdu in conn.sent] == [
        "FFB0000000",
        "FFB0010000",
        "FFB0020000",
        "FFB0030000",
        "FFB0040000",
        "FFB0050004",
    ]


@pytest.mark.parametrize(
    "name", ["resident_x_check_digit", "hmt_residence", "foreign_permanent_2023"]
)
def test_identity_is_read_and_decoded(make_record: MakeRecord, name: str) -> None:
    record = read_identity(connect(make_record(name)))
    assert record.to_json_dict() == make_record(name, chip_serial="10E4100102030405").to_json_dict()


def test_chained_responses_are_reassembled(make_record: MakeRecord) -> None:
    conn = connect(make_record(), chaining=100)
    assert read_identity(conn).name == "张三"
    assert any(apdu.startswith(b"\x00\xc0") for apdu in conn.sent)


def test_wrong_le_answers_are_followed(make_record: MakeRecord) -> None:
    conn = connect(make_record(), wrong_le=True)
    assert read_identity(conn).name == "张三"
    assert sum(apdu.startswith(b"\xff\xb0") for apdu in conn.sent) == 12


@pytest.mark.parametrize(
    ("garbage", "error"),
    [
        (Garbage.STATUS, ApduError),
        (Garbage.NOISE, CardReaderError),  # random: any typed error
        (Garbage.STREAM, FrameError),
        (Garbage.TEXT, RecordError),
    ],
)
def test_garbage_answers_raise_typed_errors(
    make_record: MakeRecord, garbage: Garbage, error: type[Exception]
) -> None:
    with pytest.raises(error):
        read_identity(connect(make_record(), garbage=garbage))


def test_bad_record_behind_a_good_stream_is_rejected(make_record: MakeRecord) -> None:
    bad = make_record(id_number="350203199003071230")
    with pytest.raises(DecodeError, match="check digit"):
        read_identity(connect(bad))


def test_stream_announcing_a_wrong_text_length_is_a_frame_error(make_record: MakeRecord) -> None:
    applet = IdCardApplet(encode_text_block(make_record()))
    applet.stream = b"\x00\xff" + applet.stream[2:]
    with pytest.raises(FrameError, match="255-byte text block"):
        read_reader_stream(AppletConnection(applet))


def test_reader_stream_layout_is_lengths_text_photo(make_record: MakeRecord) -> None:
    text = encode_text_block(make_record())
    stream = encode_reader_stream(text, b"\x07" * 1024)
    assert stream[:4] == bytes.fromhex("01000400")
    assert (stream[4:260], stream[260:]) == (text, b"\x07" * 1024)
