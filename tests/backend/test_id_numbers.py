"""ID numbers: every lawful card's number is accepted, impossible ones are refused."""

import datetime as dt

import pytest

from backend.identity.id_numbers import Holder, InvalidIdNumber, holder_of, validate_id_number
from tests.factories import id_number

TODAY = dt.date(2026, 12, 6)


def _problem(number: str, today: dt.date = TODAY) -> str:
    with pytest.raises(InvalidIdNumber) as caught:
        validate_id_number(number, today)
    return caught.value.problem


@pytest.mark.parametrize(("region", "holder"), [
    ("350203", Holder.MAINLAND),
    ("810000", Holder.HONG_KONG),   # 港澳台居民居住证
    ("820000", Holder.MACAO),
    ("830000", Holder.TAIWAN),
    ("911840", Holder.FOREIGN),     # 2023 外国人永久居留身份证: 9, province 11, nationality 840
    ("935156", Holder.FOREIGN),
])
def test_every_lawful_cards_number_is_accepted(region, holder):
    number = id_number(dt.date(1988, 5, 20), region)
    assert validate_id_number(number, TODAY) == number
    assert holder_of(number) is holder


def test_permit_and_foreigner_numbers_still_need_their_check_digit():
    for region in ("830000", "911840"):
        number = id_number(region=region)
        wrong = number[:-1] + ("0" if number[-1] != "0" else "1")
        assert _problem(wrong) == "checksum"


def test_a_region_that_is_neither_a_county_nor_a_permit_code_is_refused():
    assert _problem(id_number(region="840000")) == "region"
    assert _problem(id_number(region="810100")) == "region"  # permits carry 810000 exactly


@pytest.mark.parametrize("region", ["350203", "830000", "911840"])
def test_a_birth_date_after_today_is_refused(region):
    assert _problem(id_number(TODAY + dt.timedelta(days=1), region)) == "birth_date_range"
    assert validate_id_number(id_number(TODAY, region), TODAY)


def test_a_birth_date_more_than_150_years_ago_is_refused():
    assert _problem(id_number(dt.date(1876, 12, 5))) == "birth_date_range"
    assert validate_id_number(id_number(dt.date(1876, 12, 6)), TODAY)


def test_the_refusal_says_what_is_wrong_in_chinese_and_english():
    with pytest.raises(InvalidIdNumber) as caught:
        validate_id_number(id_number(dt.date(2030, 1, 1)), TODAY)
    assert "出生日期" in caught.value.message and "birth date" in caught.value.message_en


def test_the_2017_foreigner_number_is_not_an_id_number_here():
    assert _problem("USA350800101012") == "length"
