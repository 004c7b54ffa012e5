"""The JSON shape of a record."""

from __future__ import annotations

import datetime
from collections.abc import Callable
from typing import Any

import pytest

from card_reader.record import IdentityRecord

TODAY = datetime.date(2026, 1, 1)
COMMON = [
    "card_type",
    "name",
    "sex",
    "sex_name",
    "birth_date",
    "address",
    "id_number",
    "issuing_authority",
    "valid_from",
    "valid_until",
    "long_term",
    "expired",
]


@pytest.mark.parametrize(
    ("name", "extra_keys"),
    [
        ("resident_long_term", {"nation_code", "nation"}),
        ("hmt_residence", {"pass_number", "issue_count"}),
        ("foreign_permanent_2017", {"name_en", "nationality"}),
        ("foreign_permanent_2023", {"name_en", "nationality"}),
    ],
)
def test_json_keys_depend_on_the_card_type(
    make_record: Callable[..., IdentityRecord], name: str, extra_keys: set[str]
) -> None:
    assert set(make_record(name).to_json_dict(TODAY)) == set(COMMON) | extra_keys


@pytest.mark.parametrize(
    "name",
    [
        "resident_long_term",
        "resident_expired",
        "resident_unknown_nation",
        "hmt_residence",
        "foreign_permanent_2017",
        "foreign_permanent_2023",
    ],
)
def test_json_matches_the_hand_written_records(
    make_record: Callable[..., IdentityRecord],
    expected_json: Callable[[str], dict[str, Any]],
    name: str,
) -> None:
    assert make_record(name).to_json_dict(TODAY) == expected_json(name)


def test_card_is_expired_only_after_its_last_valid_day(
    make_record: Callable[..., IdentityRecord],
) -> None:
    record = make_record("resident_expired")  # valid until 2025-06-01
    assert not record.is_expired(datetime.date(2025, 6, 1))
    assert record.is_expired(datetime.date(2025, 6, 2))


def test_long_term_card_never_expires(make_record: Callable[..., IdentityRecord]) -> None:
    assert not make_record("resident_long_term").is_expired(datetime.date(2999, 1, 1))


def test_chip_serial_appears_only_when_read_from_a_card(
    make_record: Callable[..., IdentityRecord],
) -> None:
    assert "chip_serial" not in make_record().to_json_dict(TODAY)
    assert (
        make_record(chip_serial="0102030405060708").to_json_dict(TODAY)["chip_serial"]
        == "0102030405060708"
    )


def test_json_round_trips_through_from_json_dict(
    make_record: Callable[..., IdentityRecord],
) -> None:
    record = make_record("foreign_permanent_2023", chip_serial="0102030405060708")
    assert IdentityRecord.from_json_dict(record.to_json_dict(TODAY)) == record
