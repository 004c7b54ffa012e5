"""The 256-byte identity text block: layouts, decoding, encoding.

The block is UCS-2 little-endian, fixed-width fields padded with spaces
(``reference/idcard.md`` §3). The character at byte offset 248 selects the
layout: space or NUL for the resident ID card, ``J`` for the HK/Macao/Taiwan
residence permit, ``I`` and ``Y`` for the 2017 and 2023 foreigner
permanent-residence cards. Any other marker is rejected, never guessed.

:func:`decode_text_block` validates everything a record promises (text,
dates, the ID number and its agreement with birth date and sex);
:func:`encode_text_block` is its inverse and validates nothing.
"""

from __future__ import annotations

import datetime
import unicodedata
from collections.abc import Callable
from dataclasses import replace
from typing import NamedTuple

from card_reader import idnumber
from card_reader.errors import FrameError, RecordError, UnknownCardTypeError
from card_reader.record import CardType, IdentityRecord

BLOCK_LENGTH = 256
LONG_TERM = "长期"
MARKER_OFFSET = 248
_PAD = " "


class Field(NamedTuple):
    """A fixed-width field: byte offset and width in UCS-2 characters."""

    offset: int
    chars: int


_RESIDENT_LIKE = {
    "name": Field(0, 15),
    "sex": Field(30, 1),
    "birth_date": Field(36, 8),
    "address": Field(52, 35),
    "id_number": Field(122, 18),
    "issuing_authority": Field(158, 15),
    "valid_from": Field(188, 8),
    "valid_until": Field(204, 8),
}

LAYOUTS: dict[CardType, dict[str, Field]] = {
    CardType.RESIDENT: {**_RESIDENT_LIKE, "nation_code": Field(32, 2)},
    CardType.HMT_RESIDENCE: {
        **_RESIDENT_LIKE,
        "pass_number": Field(220, 9),
        "issue_count": Field(238, 2),
    },
    CardType.FOREIGN_PERMANENT_2017: {
        "name_en": Field(0, 60),
        "sex": Field(120, 1),
        "id_number": Field(122, 15),
        "nationality": Field(152, 3),
        "name": Field(158, 15),
        "valid_from": Field(188, 8),
        "valid_until": Field(204, 8),
        "birth_date": Field(220, 8),
        "card_version": Field(236, 2),
        "authority_code": Field(240, 4),
    },
    CardType.FOREIGN_PERMANENT_2023: {
        "name": Field(0, 15),
        "sex": Field(30, 1),
        "renewal_count": Field(32, 2),
        "birth_date": Field(36, 8),
        "name_en": Field(52, 35),
        "id_number": Field(122, 18),
        "valid_from": Field(188, 8),
        "valid_until": Field(204, 8),
        "name_en_continued": Field(220, 11),
        "nationality": Field(242, 3),
        "previous_number_link": Field(250, 3),
    },
}

_BY_MARKER = {kind.marker: kind for kind in CardType} | {"\x00": CardType.RESIDENT}


# --- decoding -------------------------------------------------------------


def decode_text_block(
    block: bytes, *, photo: bytes = b"", chip_serial: str | None = None
) -> IdentityRecord:
    """Decode and validate a 256-byte text block."""
    if len(block) != BLOCK_LENGTH:
        raise FrameError(f"text block is {len(block)} bytes, expected {BLOCK_LENGTH}")
    card_type = card_type_of(block)
    fields = {name: _raw_text(block, name, spec) for name, spec in LAYOUTS[card_type].items()}
    record = _BUILDERS[card_type](fields)
    _check_number(record)
    return replace(record, photo=photo, chip_serial=chip_serial)


def card_type_of(block: bytes) -> CardType:
    """The card type from the marker at offset 248."""
    raw = block[MARKER_OFFSET : MARKER_OFFSET + 2]
    marker = raw.decode("utf-16-le", errors="replace")
    try:
        return _BY_MARKER[marker]
    except KeyError:
        raise UnknownCardTypeError(marker) from None


def _raw_text(block: bytes, name: str, spec: Field) -> str:
    """Decode a field without stripping; reject text that is not text."""
    raw = block[spec.offset : spec.offset + 2 * spec.chars]
    try:
        text = raw.decode("utf-16-le")
    except UnicodeDecodeError:
        raise RecordError(name, f"undecodable text {raw.hex()}") from None
    if any(_is_not_text(char) for char in _clean(text)):
        raise RecordError(name, f"undecodable text {_clean(text)!r} (control characters)")
    return text


def _is_not_text(char: str) -> bool:
    return unicodedata.category(char) == "Cc" or char in "\ufffe\uffff"


def _clean(text: str) -> str:
    return text.rstrip(" \x00")


def _optional(text: str) -> str | None:
    return _clean(text) or None


def _required(fields: dict[str, str], name: str) -> str:
    value = _clean(fields[name])
    if not value:
        raise RecordError(name, "empty")
    return value


def _date(fields: dict[str, str], name: str) -> datetime.date:
    value = _clean(fields[name])
    if len(value) != 8 or not value.isascii() or not value.isdigit():
        raise RecordError(name, f"{value!r} is not a YYYYMMDD date")
    try:
        return datetime.date(int(value[:4]), int(value[4:6]), int(value[6:]))
    except ValueError:
        raise RecordError(name, f"impossible date {value}") from None


def _end_date(fields: dict[str, str], name: str) -> datetime.date | None:
    return None if _clean(fields[name]) == LONG_TERM else _date(fields, name)


def _count(fields: dict[str, str], name: str) -> int | None:
    value = _clean(fields[name]).strip()
    if not value:
        return None
    if not (value.isascii() and value.isdigit()):
        raise RecordError(name, f"{value!r} is not a number")
    return int(value)


def _common(fields: dict[str, str], card_type: CardType) -> dict[str, object]:
    return {
        "card_type": card_type,
        "name": _optional(fields["name"]),
        "sex": _required(fields, "sex"),
        "birth_date": _date(fields, "birth_date"),
        "id_number": _required(fields, "id_number"),
        "valid_from": _date(fields, "valid_from"),
        "valid_until": _end_date(fields, "valid_until"),
    }


def _resident(fields: dict[str, str]) -> IdentityRecord:
    return IdentityRecord(
        **_common(fields, CardType.RESIDENT),
        nation_code=_clean(fields["nation_code"]),
        address=_optional(fields["address"]),
        issuing_authority=_optional(fields["issuing_authority"]),
    )


def _hmt(fields: dict[str, str]) -> IdentityRecord:
    return IdentityRecord(
        **_common(fields, CardType.HMT_RESIDENCE),
        address=_optional(fields["address"]),
        issuing_authority=_optional(fields["issuing_authority"]),
        pass_number=_optional(fields["pass_number"]),
        issue_count=_count(fields, "issue_count"),
    )


def _foreign_2017(fields: dict[str, str]) -> IdentityRecord:
    return IdentityRecord(
        **_common(fields, CardType.FOREIGN_PERMANENT_2017),
        name_en=_optional(fields["name_en"]),
        nationality=_optional(fields["nationality"]),
        extras=_extras(fields, "card_version", "authority_code"),
    )


def _foreign_2023(fields: dict[str, str]) -> IdentityRecord:
    # The English name spills from offset 52 into offset 220; join before
    # stripping so a space at the seam survives.
    name_en = _optional(fields["name_en"] + fields["name_en_continued"])
    return IdentityRecord(
        **_common(fields, CardType.FOREIGN_PERMANENT_2023),
        name_en=name_en,
        nationality=_optional(fields["nationality"]),
        extras=_extras(fields, "renewal_count", "previous_number_link"),
    )


def _extras(fields: dict[str, str], *names: str) -> dict[str, str]:
    return {name: _clean(fields[name]) for name in names if _clean(fields[name])}


_BUILDERS: dict[CardType, Callable[[dict[str, str]], IdentityRecord]] = {
    CardType.RESIDENT: _resident,
    CardType.HMT_RESIDENCE: _hmt,
    CardType.FOREIGN_PERMANENT_2017: _foreign_2017,
    CardType.FOREIGN_PERMANENT_2023: _foreign_2023,
}


def _check_number(record: IdentityRecord) -> None:
    if record.card_type is CardType.FOREIGN_PERMANENT_2017:
        idnumber.check_foreign_2017_number(record.id_number)
    elif record.card_type is CardType.FOREIGN_PERMANENT_2023:
        idnumber.check_foreign_2023_number(record.id_number)
    else:
        idnumber.check_citizen_number(record.id_number, record.birth_date, record.sex)


# --- encoding -------------------------------------------------------------


def encode_text_block(record: IdentityRecord) -> bytes:
    """Encode a record as a 256-byte text block (no validation)."""
    block = bytearray((_PAD * (BLOCK_LENGTH // 2)).encode("utf-16-le"))
    layout = LAYOUTS[record.card_type]
    for name, text in _field_texts(record).items():
        _put(block, name, layout[name], text)
    _put(block, "marker", Field(MARKER_OFFSET, 1), record.card_type.marker)
    return bytes(block)


def replace_field(block: bytes, name: str, text: str) -> bytes:
    """Return ``block`` with one field of its layout overwritten (for fixtures)."""
    spec = LAYOUTS[card_type_of(block)][name]
    out = bytearray(block)
    _put(out, name, spec, text)
    return bytes(out)


def _put(block: bytearray, name: str, spec: Field, text: str) -> None:
    raw = text.encode("utf-16-le")
    if len(raw) > 2 * spec.chars:
        raise ValueError(f"{name} {text!r} does not fit in {spec.chars} characters")
    raw += (_PAD * (spec.chars - len(raw) // 2)).encode("utf-16-le")
    block[spec.offset : spec.offset + len(raw)] = raw


def _field_texts(record: IdentityRecord) -> dict[str, str]:
    texts = {
        "name": record.name or "",
        "sex": record.sex,
        "birth_date": _yyyymmdd(record.birth_date),
        "id_number": record.id_number,
        "valid_from": _yyyymmdd(record.valid_from),
        "valid_until": _yyyymmdd(record.valid_until) if record.valid_until else LONG_TERM,
        "nation_code": record.nation_code or "",
        "address": record.address or "",
        "issuing_authority": record.issuing_authority or "",
        "pass_number": record.pass_number or "",
        "issue_count": "" if record.issue_count is None else f"{record.issue_count:02d}",
        "nationality": record.nationality or "",
        **record.extras,
    }
    texts |= _english_name_texts(record)
    return {name: text for name, text in texts.items() if name in LAYOUTS[record.card_type]}


def _english_name_texts(record: IdentityRecord) -> dict[str, str]:
    name_en = record.name_en or ""
    if record.card_type is CardType.FOREIGN_PERMANENT_2023:
        first = LAYOUTS[record.card_type]["name_en"].chars
        return {"name_en": name_en[:first], "name_en_continued": name_en[first:]}
    return {"name_en": name_en}


def _yyyymmdd(day: datetime.date) -> str:
    return day.strftime("%Y%m%d")
