"""Reading a card over any :class:`~card_reader.iso7816.Connection`.

Two things can be read:

* the chip serial (居民身份证专用集成电路序列号) with ``00 36 00 00 08``,
  which every ID card answers without a SAM;
* the decoded identity stream of a PC/SC reader with an integrated SAM
  (``reference/idcard.md`` §6.3): READ BINARY ``FF B0`` in 256-byte steps
  over ``[text length][photo length][text][photo]``.

Everything is read before anything is decoded, and any failure raises, so a
caller never sees a partial record.
"""

from __future__ import annotations

from card_reader.errors import BadResponseError, FrameError
from card_reader.iso7816 import Connection, read_binary, transmit
from card_reader.payload import STREAM_HEADER
from card_reader.record import IdentityRecord
from card_reader.samframe import TEXT_LENGTH, BaseInformation, split_blocks
from card_reader.textblock import decode_text_block

CHIP_SERIAL_APDU = bytes.fromhex("0036000008")
CHIP_SERIAL_LENGTH = 8
READER_CLA = 0xFF
STREAM_BLOCK = 256


def read_chip_serial(conn: Connection) -> str:
    """The 8-byte chip serial as uppercase hex."""
    data, _ = transmit(conn, CHIP_SERIAL_APDU)
    if len(data) != CHIP_SERIAL_LENGTH:
        raise BadResponseError(f"chip serial is {len(data)} bytes, expected {CHIP_SERIAL_LENGTH}")
    return data.hex().upper()


def read_reader_stream(conn: Connection) -> BaseInformation:
    """Read the text and photo blocks from an integrated-SAM reader."""
    head = read_binary(conn, STREAM_BLOCK, cla=READER_CLA)
    total = _stream_length(head)
    rest = read_binary(conn, total - STREAM_BLOCK, offset=STREAM_BLOCK, cla=READER_CLA)
    return split_blocks(head + rest)


def _stream_length(head: bytes) -> int:
    text_length = int.from_bytes(head[0:2], "big")
    photo_length = int.from_bytes(head[2:4], "big")
    if text_length != TEXT_LENGTH:
        raise FrameError(
            f"reader stream announces a {text_length}-byte text block, expected {TEXT_LENGTH}"
        )
    return STREAM_HEADER + text_length + photo_length


def read_identity(conn: Connection, *, with_chip_serial: bool = True) -> IdentityRecord:
    """Read chip serial and identity stream, then decode and validate."""
    serial = read_chip_serial(conn) if with_chip_serial else None
    info = read_reader_stream(conn)
    return decode_text_block(info.text, photo=info.photo, chip_serial=serial)
