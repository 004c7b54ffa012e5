"""Citizen ID numbers (GB 11643): check digit, birth date and region code, via python-stdnum."""

from __future__ import annotations

import datetime as dt
import functools

from stdnum import numdb
from stdnum.cn import ric
from stdnum.exceptions import InvalidComponent

# (Chinese, English) per kind of problem, shown to the citizen next to the field.
PROBLEMS = {
    "length": ("身份证号码应为18位。", "An ID number has 18 characters."),
    "format": ("身份证号码只能包含数字，最后一位可以是 X。",
               "An ID number has digits only; the last may be X."),
    "checksum": ("身份证号码校验位不正确，请核对。", "The ID number's check digit is wrong."),
    "birth_date": ("身份证号码中的出生日期不存在。", "The birth date inside the ID number is impossible."),
    "region": ("身份证号码中的地区代码不存在。", "The region code inside the ID number is unknown."),
}


class InvalidIdNumber(ValueError):
    def __init__(self, problem: str):
        self.problem = problem
        self.message, self.message_en = PROBLEMS[problem]
        super().__init__(self.message_en)


def validate_id_number(value: str) -> str:
    """Return the canonical (upper-case X) number or raise :class:`InvalidIdNumber`."""
    if not isinstance(value, str):
        raise InvalidIdNumber("format")
    return _canonical(value)


@functools.lru_cache(maxsize=65536)  # every request from the app checks its citizen's number
def _canonical(value: str) -> str:
    number = ric.compact(value)
    if len(number) != 18:
        raise InvalidIdNumber("length")
    if not (number[:17].isdigit() and (number[17].isdigit() or number[17] == "X")):
        raise InvalidIdNumber("format")
    try:
        ric.get_birth_date(number)
    except InvalidComponent:
        raise InvalidIdNumber("birth_date") from None
    if not region_exists(number[:6]):
        raise InvalidIdNumber("region")
    if ric.calc_check_digit(number) != number[-1]:
        raise InvalidIdNumber("checksum")
    return number


def region_exists(code: str) -> bool:
    """Whether ``code`` is a county-level code in python-stdnum's GB/T 2260 data, in any period.

    ``ric.validate`` also demands the county existed in the holder's birth year, but the code
    is the household's county when the number was assigned, often decades after birth (a
    思明区 number, created 1983, for someone born in 1966 is real), so we don't ask that.
    """
    parts = numdb.get("cn/loc").info(code)
    return any("county" in props for _part, props in parts)


def birth_date_of(id_number: str) -> dt.date:
    return ric.get_birth_date(id_number)
