"""Rules for the numbers printed on the four card types.

* Citizen ID number (GB 11643), on resident ID cards and on the HK/Macao/
  Taiwan residence permit: 6-digit area code, 8-digit birth date, 3-digit
  sequence (odd for men, even for women), ISO 7064 MOD 11-2 check character.
  The check digit and the birth date come from ``stdnum.cn.ric``; its
  area-code lookup is not used, because permits carry 810000/820000/830000
  and the area table changes over time.
* 2023 foreigner permanent-residence number: 18 digits, first digit ``9``,
  MOD 11-2 check digit. Only those facts are verified, so nothing more is
  checked.
* 2017 foreigner permanent-residence number: 15 characters, 3 letters then
  12 digits.
"""

from __future__ import annotations

import datetime
import re

from stdnum.cn import ric
from stdnum.exceptions import ValidationError

from card_reader.codes import FEMALE, MALE
from card_reader.errors import RecordError

FIELD = "id_number"
_CITIZEN = re.compile(r"\d{17}[\dXx]")
_FOREIGN_2023 = re.compile(r"9\d{16}[\dX]")
_FOREIGN_2017 = re.compile(r"[A-Z]{3}\d{12}")


def check_digit(number: str) -> str:
    """The MOD 11-2 check character for the first 17 digits of ``number``."""
    return ric.calc_check_digit(number[:17] + "0")


def check_citizen_number(number: str, birth_date: datetime.date, sex: str) -> None:
    """Check a GB 11643 number and its agreement with birth date and sex."""
    if not _CITIZEN.fullmatch(number):
        raise RecordError(FIELD, f"{number!r} is not 17 digits and a check character")
    _check_mod11_2(number)
    _check_birth_date(number, birth_date)
    _check_sex(number, sex)


def check_foreign_2023_number(number: str) -> None:
    """Check a 2023 foreigner permanent-residence number."""
    if not _FOREIGN_2023.fullmatch(number):
        raise RecordError(
            FIELD,
            f"{number!r} is not 18 characters starting with 9 (17 digits and a check character)",
        )
    _check_mod11_2(number)


def check_foreign_2017_number(number: str) -> None:
    """Check the shape of a 2017 foreigner permanent-residence number."""
    if not _FOREIGN_2017.fullmatch(number):
        raise RecordError(FIELD, f"{number!r} is not 3 letters and 12 digits")


def _check_mod11_2(number: str) -> None:
    expected = check_digit(number)
    if number[17].upper() != expected:
        raise RecordError(FIELD, f"check digit of {number} is {number[17]}, expected {expected}")


def _check_birth_date(number: str, birth_date: datetime.date) -> None:
    try:
        embedded = ric.get_birth_date(number)
    except ValidationError:
        raise RecordError(
            FIELD, f"{number} embeds an impossible birth date {number[6:14]}"
        ) from None
    if embedded != birth_date:
        raise RecordError(
            FIELD,
            f"{number} embeds birth date {embedded.isoformat()}, card says {birth_date.isoformat()}",
        )


def _check_sex(number: str, sex: str) -> None:
    # Only 1 and 2 can be checked: 0 (unknown) and 9 (unspecified) have no parity.
    if sex not in (MALE, FEMALE):
        return
    parity_sex = MALE if int(number[16]) % 2 else FEMALE
    if parity_sex != sex:
        raise RecordError(
            FIELD, f"{number} has sequence digit {number[16]}, which does not match sex code {sex}"
        )
