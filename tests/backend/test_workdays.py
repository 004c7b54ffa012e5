"""Working days: the State Council's schedule from chinese-calendar, overrides for the years it
does not know, and a bad override file refusing the start."""

import datetime as dt
import json

import pytest

from backend import create_app
from backend.common.workdays import Calendar, parse_overrides
from backend.config import ConfigurationError

D = dt.date


def test_spring_festival_2026_is_skipped_and_its_make_up_saturday_counts():
    calendar = Calendar()
    # 2026: Spring Festival off 15–23 February; Saturday 14 February and 28 February are worked.
    assert calendar.is_workday(D(2026, 2, 14))
    assert not calendar.is_workday(D(2026, 2, 16))
    # Accepted Thursday 12 Feb: Fri 13, Sat 14 (make-up), then nothing until Tue 24 Feb.
    assert calendar.add(D(2026, 2, 12), 3) == D(2026, 2, 24)
    assert calendar.count(D(2026, 2, 12), D(2026, 2, 24)) == 3


def test_a_limit_of_zero_is_the_same_day_and_start_is_not_counted():
    calendar = Calendar()
    assert calendar.add(D(2026, 3, 6), 0) == D(2026, 3, 6)
    assert calendar.add(D(2026, 3, 6), 1) == D(2026, 3, 9)  # Friday → Monday
    assert calendar.count(D(2026, 3, 9), D(2026, 3, 6)) == 0


def test_a_year_the_library_does_not_know_rests_on_weekends_and_says_so():
    calendar = Calendar()
    assert not calendar.known(D(2027, 1, 1))
    assert calendar.is_workday(D(2027, 1, 1))  # a Friday, not yet known to be a holiday
    assert calendar.add(D(2027, 1, 1), 1) == D(2027, 1, 4)


def test_overrides_win_and_make_the_year_known():
    calendar = Calendar(parse_overrides({"2027-01-01": "holiday", "2027-01-02": "workday"}))
    assert calendar.known(D(2027, 6, 1))
    assert not calendar.is_workday(D(2027, 1, 1))
    assert calendar.is_workday(D(2027, 1, 2))  # a Saturday made a working day
    assert calendar.add(D(2026, 12, 31), 1) == D(2027, 1, 2)


@pytest.mark.parametrize("mapping, message", [
    ({"2027-13-01": "holiday"}, "not a date"),
    ({"2027-01-01": "day off"}, "'workday' or 'holiday'"),
    (["2027-01-01"], "JSON object"),
])
def test_a_bad_override_is_refused_naming_it(mapping, message):
    with pytest.raises(ValueError, match=message):
        parse_overrides(mapping)


def test_a_bad_override_file_refuses_the_start(tmp_path, monkeypatch):
    path = tmp_path / "holidays.json"
    path.write_text(json.dumps({"2027-02-30": "holiday"}))
    monkeypatch.setenv("INSTANCE_PATH", str(tmp_path))
    with pytest.raises(ConfigurationError, match="WORKDAY_OVERRIDES"):
        create_app({"TESTING": True, "WORKDAY_OVERRIDES": str(path),
                    "SQLALCHEMY_DATABASE_URI": f"sqlite:///{tmp_path / 'db.sqlite3'}"})
