"""Statutory time limits (承诺时限) counted in working days from the day of application.

A matter's limit is its catalogue ``time_limit_days`` (0: decided on the spot, no deadline).
The due day is the limit-th working day after the application's day (Xiamen's calendar,
``backend.common.workdays``); it is provisional when either end falls in a year whose holiday
schedule is not known yet, and overdue while the application is still open after it.
"""

from __future__ import annotations

import dataclasses
import datetime as dt

from backend.common.workdays import calendar
from backend.licensing.models import Application, State

# Where the bureau's clock runs. (Waiting for the applicant's own exam does not count.)
OPEN = {State.SUBMITTED, State.CHECKING, State.AWAITING_REVIEW, State.AWAITING_PROVINCE}


@dataclasses.dataclass(frozen=True)
class Deadline:
    working_days: int
    applied_on: dt.date
    due: dt.date
    provisional: bool
    overdue: bool


def deadline_of(application: Application, today: dt.date | None = None) -> Deadline | None:
    """The application's statutory deadline, or None for a matter decided on the spot."""
    from backend.licensing.operations import XIAMEN
    from backend.licensing.operations import today as xiamen_today

    days = application.matter.time_limit_days
    if not days or application.created_at is None:
        return None
    days_calendar = calendar()
    applied_on = application.created_at.astimezone(XIAMEN).date()
    due = days_calendar.add(applied_on, days)
    today = today or xiamen_today()
    return Deadline(working_days=days, applied_on=applied_on, due=due,
                    provisional=not (days_calendar.known(applied_on) and days_calendar.known(due)),
                    overdue=application.state in OPEN and today > due)
