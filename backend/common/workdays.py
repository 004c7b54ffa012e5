"""Working days (工作日): the time limits of matters and tickets are counted in them.

A day is a working day unless it is a weekend or a public holiday, and a weekend day that the
State Council's schedule makes a make-up working day (调休上班) is one. The schedule comes from
``chinese-calendar``, which knows the years up to its release; each year's schedule is published
around December, so the years the library does not know yet are configured with
``WORKDAY_OVERRIDES`` (a JSON file ``{"2027-01-01": "holiday", "2027-02-07": "workday", …}``).
An override always wins. For a year neither knows, only weekends rest, and ``known(day)`` says
so: a deadline counted across such a year is provisional and the pages say it is.
"""

from __future__ import annotations

import datetime as dt
import functools
import json
from pathlib import Path

import chinese_calendar
from flask import current_app

_WORDS = {"workday": True, "holiday": False}


class Calendar:
    """Working days with overrides (``{date: True for a working day, False for a day off}``)."""

    def __init__(self, overrides: dict[dt.date, bool] | None = None):
        self.overrides = dict(overrides or {})
        self._override_years = {day.year for day in self.overrides}

    def known(self, day: dt.date) -> bool:
        """Whether the holiday schedule of ``day``'s year is known (library or overrides)."""
        return day.year in self._override_years or _library_knows(day.year)

    def is_workday(self, day: dt.date) -> bool:
        if day in self.overrides:
            return self.overrides[day]
        if _library_knows(day.year):
            return chinese_calendar.is_workday(day)
        return day.weekday() < 5

    def add(self, start: dt.date, days: int) -> dt.date:
        """The ``days``-th working day after ``start`` (``start`` itself is not counted: a
        matter accepted on Friday with a limit of 1 is due on the next working day)."""
        if days < 0:
            raise ValueError("a time limit is not negative")
        day = start
        while days:
            day += dt.timedelta(days=1)
            days -= self.is_workday(day)
        return day

    def count(self, start: dt.date, end: dt.date) -> int:
        """Working days after ``start`` up to and including ``end`` (0 when ``end <= start``)."""
        days, day = 0, start
        while day < end:
            day += dt.timedelta(days=1)
            days += self.is_workday(day)
        return days


def _library_knows(year: int) -> bool:
    first, last = _library_years()
    return first <= year <= last


@functools.cache
def _library_years() -> tuple[int, int]:
    years = [day.year for day in chinese_calendar.holidays]
    return min(years), max(years)


def parse_overrides(mapping: dict) -> dict[dt.date, bool]:
    """``{"YYYY-MM-DD": "workday" | "holiday"}`` → ``{date: bool}``; a bad entry is refused."""
    if not isinstance(mapping, dict):
        raise ValueError("WORKDAY_OVERRIDES: a JSON object of dates is expected")
    parsed = {}
    for key, word in mapping.items():
        try:
            day = dt.date.fromisoformat(key)
        except (TypeError, ValueError):
            raise ValueError(f"WORKDAY_OVERRIDES: {key!r} is not a date (YYYY-MM-DD)") from None
        if word not in _WORDS:
            raise ValueError(f"WORKDAY_OVERRIDES: {key} must be 'workday' or 'holiday'")
        parsed[day] = _WORDS[word]
    return parsed


def load_overrides(path: str | None) -> dict[dt.date, bool]:
    if not path:
        return {}
    return parse_overrides(json.loads(Path(path).read_text(encoding="utf-8")))


def init_app(app) -> None:
    """Build the app's calendar from ``WORKDAY_OVERRIDES``; a bad file refuses the start."""
    from backend.config import ConfigurationError

    path = app.config.get("WORKDAY_OVERRIDES")
    try:
        app.extensions["workdays"] = Calendar(load_overrides(path))
    except (OSError, ValueError) as error:
        raise ConfigurationError(f"WORKDAY_OVERRIDES ({path}): {error}") from None


def calendar() -> Calendar:
    """The app's calendar."""
    return current_app.extensions["workdays"]
