"""Build the saved payloads in ``payloads/`` from ``records/*.json``.

The records are hand-written in the exact shape ``python -m card_reader
decode`` prints (with ``--today 2026-01-01``), so they are both the expected
output and the input. All persons are synthetic. ``cases.json`` lists which
payload decodes to which record and why each bad payload is rejected.

Regenerate after changing a record (from the repository root)::

    PYTHONPATH=. python tests/card_reader/data/generate.py

``test_payload_files_are_current`` fails when the files are stale.
"""

from __future__ import annotations

import json
from pathlib import Path

from card_reader.payload import (
    PLACEHOLDER_PHOTO,
    encode_reader_stream,
    encode_sam_frame,
)
from card_reader.record import IdentityRecord
from card_reader.samframe import (
    SamStatus,
    build_base_information,
    build_status_response,
)
from card_reader.textblock import MARKER_OFFSET, encode_text_block, replace_field

HERE = Path(__file__).resolve().parent
RECORDS = HERE / "records"
PAYLOADS = HERE / "payloads"


def load_record(name: str) -> IdentityRecord:
    """A record from ``records/NAME.json``."""
    return IdentityRecord.from_json_dict(json.loads((RECORDS / f"{name}.json").read_text("utf-8")))


def build_payloads() -> dict[str, bytes]:
    """File name -> content for every payload."""
    return {**_valid_payloads(), **_frame_corruptions(), **_block_corruptions()}


def _valid_payloads() -> dict[str, bytes]:
    resident = load_record("resident_long_term")
    frame = encode_sam_frame(resident)
    text = encode_text_block(resident)
    return {
        "resident_long_term.frame": frame,
        "resident_long_term.hex": frame.hex(" ").upper().encode("ascii") + b"\n",
        "resident_fingerprint.frame": build_base_information(text, PLACEHOLDER_PHOTO, bytes(1024)),
        "resident_long_term.stream": encode_reader_stream(text),
        "resident_x_check_digit.block": encode_text_block(load_record("resident_x_check_digit")),
        "resident_expired.frame": encode_sam_frame(load_record("resident_expired")),
        "resident_unknown_nation.block": encode_text_block(load_record("resident_unknown_nation")),
        "hmt_residence.frame": encode_sam_frame(load_record("hmt_residence")),
        "foreign_permanent_2017.block": encode_text_block(load_record("foreign_permanent_2017")),
        "foreign_permanent_2023.frame": encode_sam_frame(load_record("foreign_permanent_2023")),
    }


def _frame_corruptions() -> dict[str, bytes]:
    frame = encode_sam_frame(load_record("resident_long_term"))
    text = encode_text_block(load_record("resident_long_term"))
    return {
        "bad_preamble.frame": b"\xab" + frame[1:],
        "truncated.frame": frame[:-100],
        "bad_checksum.frame": frame[:-1] + bytes([frame[-1] ^ 0x01]),
        "sam_read_failed.frame": build_status_response(SamStatus.READ_FAILED),
        "sam_no_card.frame": build_status_response(SamStatus.NO_CARD_FOUND),
        "short_text.frame": build_base_information(text[:254], PLACEHOLDER_PHOTO),
        "empty.bin": b"",
    }


def _block_corruptions() -> dict[str, bytes]:
    block = encode_text_block(load_record("resident_x_check_digit"))
    foreign = encode_text_block(load_record("foreign_permanent_2023"))
    return {
        "unknown_card_type.block": block[:MARKER_OFFSET]
        + "Z".encode("utf-16-le")
        + block[MARKER_OFFSET + 2 :],
        "undecodable_text.block": block[:2] + b"\x00\xd8" + block[4:],  # lone surrogate in the name
        "impossible_date.block": replace_field(block, "valid_from", "20230230"),
        "bad_check_digit.block": replace_field(block, "id_number", "350203198504121090"),
        "birth_mismatch.block": replace_field(block, "birth_date", "19850413"),
        "sex_mismatch.block": replace_field(block, "sex", "2"),
        "foreign_2023_bad_check_digit.block": replace_field(
            foreign, "id_number", "911840198001011181"
        ),
        "truncated.block": block[:255],
    }


def main() -> None:
    """Write every payload into ``payloads/``."""
    PAYLOADS.mkdir(exist_ok=True)
    for name, content in build_payloads().items():
        (PAYLOADS / name).write_bytes(content)


if __name__ == "__main__":
    main()
