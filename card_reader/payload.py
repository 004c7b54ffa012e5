"""Saved payloads: recognise, decode and encode the three on-disk forms.

* a SAM "read base information" response frame (``AA AA AA 96 69 …``),
* a raw 256-byte text block,
* the stream an integrated-SAM PC/SC reader serves through ``FF B0``
  (two big-endian lengths, the text block, the photo).

Any of them may also be saved as hexadecimal text. A valid text block always
contains NUL bytes (its type marker is ``xx 00``), so hex text is never
mistaken for a block.
"""

from __future__ import annotations

import re

from card_reader.errors import FrameError
from card_reader.record import IdentityRecord
from card_reader.samframe import (
    PREAMBLE,
    TEXT_LENGTH,
    BaseInformation,
    build_base_information,
    parse_base_information,
    split_blocks,
)
from card_reader.textblock import BLOCK_LENGTH, decode_text_block, encode_text_block

PHOTO_LENGTH = 1024
#: Photo used when a record carries none (the WLT format is opaque anyway).
PLACEHOLDER_PHOTO = bytes(PHOTO_LENGTH)
#: Bytes before the text in a reader stream: text and photo lengths.
STREAM_HEADER = 4
_HEX_TEXT = re.compile(rb"[\s0-9A-Fa-f]+")


def decode_payload(data: bytes) -> IdentityRecord:
    """Decode a saved frame, text block or reader stream (raw or hex)."""
    data = _unhex(data)
    if data.startswith(PREAMBLE):
        info = parse_base_information(data)
    elif len(data) == BLOCK_LENGTH:
        info = BaseInformation(data, b"")
    elif _looks_like_stream(data):
        info = split_blocks(data)
    else:
        raise _unrecognised(data)
    return decode_text_block(info.text, photo=info.photo)


def _unrecognised(data: bytes) -> FrameError:
    if not data:
        return FrameError("empty input")
    return FrameError(
        f"not a SAM frame (bad preamble {data[:5].hex(' ').upper()}, expected AA AA AA 96 69) "
        f"nor a {BLOCK_LENGTH}-byte text block ({len(data)} bytes)"
    )


def _unhex(data: bytes) -> bytes:
    if not _HEX_TEXT.fullmatch(data):
        return data
    try:
        return bytes.fromhex(data.decode("ascii"))
    except ValueError:
        return data


def _looks_like_stream(data: bytes) -> bool:
    if len(data) < STREAM_HEADER or int.from_bytes(data[:2], "big") != TEXT_LENGTH:
        return False
    return STREAM_HEADER + TEXT_LENGTH + int.from_bytes(data[2:4], "big") == len(data)


def _photo(record: IdentityRecord, photo: bytes | None) -> bytes:
    return photo if photo is not None else (record.photo or PLACEHOLDER_PHOTO)


def encode_sam_frame(record: IdentityRecord, photo: bytes | None = None) -> bytes:
    """Encode a record as a successful "read base information" SAM frame."""
    return build_base_information(encode_text_block(record), _photo(record, photo))


def encode_reader_stream(text: bytes, photo: bytes = PLACEHOLDER_PHOTO) -> bytes:
    """The ``FF B0`` stream of an integrated-SAM reader for a text block."""
    return len(text).to_bytes(2, "big") + len(photo).to_bytes(2, "big") + text + photo
