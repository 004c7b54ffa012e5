"""ID number rules: MOD 11-2, birth date and sex agreement, foreigner numbers."""

from __future__ import annotations

import datetime

import pytest

from card_reader.errors import RecordError
from card_reader.idnumber import (
    check_citizen_number,
    check_digit,
    check_foreign_2017_number,
    check_foreign_2023_number,
)

BIRTH = datetime.date(1949, 12, 31)


@pytest.mark.parametrize(
    "number",
    ["11010519491231002X", "350203199003071236", "35020319850412109X", "210102196501012224"],
)
def test_check_digit_follows_mod_11_2(number: str) -> None:
    assert check_digit(number) == number[-1]


def test_valid_citizen_number_passes() -> None:
    check_citizen_number("11010519491231002X", BIRTH, "2")


def test_hong_kong_prefix_is_accepted_without_an_area_lookup() -> None:
    check_citizen_number("81000019880520106X", datetime.date(1988, 5, 20), "2")


def test_wrong_check_digit_is_rejected() -> None:
    with pytest.raises(RecordError, match="check digit of 110105194912310021 is 1, expected X"):
        check_citizen_number("110105194912310021", BIRTH, "2")


def test_birth_date_must_match_the_number() -> None:
    with pytest.raises(RecordError, match="embeds birth date 1949-12-31"):
        check_citizen_number("11010519491231002X", datetime.date(1949, 12, 30), "2")


def test_sex_must_match_the_parity_of_the_sequence() -> None:
    with pytest.raises(RecordError, match="sex code 1"):
        check_citizen_number("11010519491231002X", BIRTH, "1")


@pytest.mark.parametrize("sex", ["0", "9"])
def test_unknown_and_unspecified_sex_skip_the_parity_check(sex: str) -> None:
    check_citizen_number("11010519491231002X", BIRTH, sex)


@pytest.mark.parametrize("number", ["1101051949123100", "11010519491231002Y", "1101051949123100X2"])
def test_malformed_citizen_numbers_are_rejected(number: str) -> None:
    with pytest.raises(RecordError, match="not 17 digits"):
        check_citizen_number(number, BIRTH, "2")


def test_embedded_impossible_date_is_rejected() -> None:
    number = "110105194902300" + "21"
    number += check_digit(number + "0")
    with pytest.raises(RecordError, match="impossible birth date"):
        check_citizen_number(number, BIRTH, "2")


def test_foreign_2023_number_starts_with_9_and_has_a_check_digit() -> None:
    check_foreign_2023_number("91184019800101118X")
    with pytest.raises(RecordError, match="check digit"):
        check_foreign_2023_number("911840198001011181")
    with pytest.raises(RecordError, match="starting with 9"):
        check_foreign_2023_number("81184019800101118X")


@pytest.mark.parametrize(
    ("number", "valid"), [("USA350800101012", True), ("US3508001010123", False)]
)
def test_foreign_2017_number_is_three_letters_and_twelve_digits(number: str, valid: bool) -> None:
    if valid:
        check_foreign_2017_number(number)
    else:
        with pytest.raises(RecordError, match="3 letters"):
            check_foreign_2017_number(number)
