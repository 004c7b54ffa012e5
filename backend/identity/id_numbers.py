"""ID numbers of every lawful card that carries an 18-character GB 11643-style number.

=====================================================  ===================  ==================
card                                                   first six digits     holder
=====================================================  ===================  ==================
resident ID card (居民身份证)                            a GB/T 2260 county   ``MAINLAND``
HK / Macao / Taiwan residents' residence permit         810000 / 820000 /    ``HONG_KONG`` …
(港澳台居民居住证)                                        830000
foreigner's permanent residence ID card, 2023           first digit ``9``    ``FOREIGN``
(外国人永久居留身份证, 新版)
=====================================================  ===================  ==================

All three have 17 digits and an ISO 7064 MOD 11-2 check character, and the birth date in
digits 7–14 (the 2023 foreigner number follows the citizen number's standard: a 9, the
accepting province and the nationality as digits, then the birth date; reference/idcard.md
§3.4, §5.3). Eligibility is not decided here: a lawful number is accepted, and the rules
(``backend.drivers.rules``) say what a holder without mainland household registration needs.
The 2017 foreigner card's 15-character number (3 letters, 12 digits) is not accepted here: no
birth date can be read from it and the log masking does not know its shape; the kiosk sends
such a holder to a counter.
"""

from __future__ import annotations

import datetime as dt
import enum
import functools

from stdnum import numdb
from stdnum.cn import ric
from stdnum.exceptions import InvalidComponent

OLDEST_YEARS = 150  # a birth date further back than this is a typing error, not a person
CHINA = dt.timezone(dt.timedelta(hours=8))

# (Chinese, English) per kind of problem, shown to the citizen next to the field.
PROBLEMS = {
    "length": ("身份证号码应为18位。", "An ID number has 18 characters."),
    "format": ("身份证号码只能包含数字，最后一位可以是 X。",
               "An ID number has digits only; the last may be X."),
    "checksum": ("身份证号码校验位不正确，请核对。", "The ID number's check digit is wrong."),
    "birth_date": ("身份证号码中的出生日期不存在。", "The birth date inside the ID number is impossible."),
    "birth_date_range": (f"身份证号码中的出生日期不可能（晚于今天或早于{OLDEST_YEARS}年前），请核对。",
                         "The birth date inside the ID number is impossible (after today or "
                         f"more than {OLDEST_YEARS} years ago)."),
    "region": ("身份证号码中的地区代码不存在。", "The region code inside the ID number is unknown."),
}


class Holder(enum.StrEnum):
    """Who a number belongs to, by its first digits."""

    MAINLAND = "mainland"
    HONG_KONG = "hong_kong"
    MACAO = "macao"
    TAIWAN = "taiwan"
    FOREIGN = "foreign"


PERMIT_CODES = {"810000": Holder.HONG_KONG, "820000": Holder.MACAO, "830000": Holder.TAIWAN}
FOREIGN_PREFIX = "9"  # 公民身份号码 start with a province code, 1–8: a 9 is a foreigner's number


class InvalidIdNumber(ValueError):
    def __init__(self, problem: str):
        self.problem = problem
        self.message, self.message_en = PROBLEMS[problem]
        super().__init__(self.message_en)


def validate_id_number(value: str, today: dt.date | None = None) -> str:
    """Return the canonical (upper-case X) number or raise :class:`InvalidIdNumber`."""
    if not isinstance(value, str):
        raise InvalidIdNumber("format")
    number = _canonical(value)
    _check_birth_date_is_possible(birth_date_of(number), today or dt.datetime.now(CHINA).date())
    return number


def holder_of(id_number: str) -> Holder:
    """The kind of holder of a valid number."""
    if id_number.startswith(FOREIGN_PREFIX):
        return Holder.FOREIGN
    return PERMIT_CODES.get(id_number[:6], Holder.MAINLAND)


@functools.lru_cache(maxsize=65536)  # every request from the app checks its citizen's number
def _canonical(value: str) -> str:
    """Everything about the number that does not depend on today's date."""
    number = ric.compact(value)
    if len(number) != 18:
        raise InvalidIdNumber("length")
    if not (number[:17].isdigit() and (number[17].isdigit() or number[17] == "X")):
        raise InvalidIdNumber("format")
    try:
        ric.get_birth_date(number)  # digits 7–14, on all three cards
    except InvalidComponent:
        raise InvalidIdNumber("birth_date") from None
    # stdnum's ``ric.validate`` would also look the first six digits up in GB/T 2260, which
    # holds counties only: the permits' 810000/820000/830000 and the foreigners' 9… are not
    # there (they are not counties), so the region is checked here for residents alone, and
    # stdnum's check digit serves all three (the same MOD 11-2).
    if holder_of(number) is Holder.MAINLAND and not region_exists(number[:6]):
        raise InvalidIdNumber("region")
    if ric.calc_check_digit(number) != number[-1]:
        raise InvalidIdNumber("checksum")
    return number


def _check_birth_date_is_possible(born: dt.date, today: dt.date) -> None:
    if born > today or born < _years_before(today, OLDEST_YEARS):
        raise InvalidIdNumber("birth_date_range")


def _years_before(day: dt.date, years: int) -> dt.date:
    try:
        return day.replace(year=day.year - years)
    except ValueError:  # 29 February
        return day.replace(year=day.year - years, day=28)


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
