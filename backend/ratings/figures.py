"""好差评's monthly figures, as published (GB/T 39734 Annex B asks for these; no personal data).

For the ratings given in a month (Xiamen time):

- ``by_level`` (5 非常满意 … 1 非常不满意) and ``by_channel`` (app, kiosk, counter).
- ``satisfaction_rate``: the share rated 基本满意 or better.
- ``bad``: 差评 (不满意 and 非常不满意); ``called_back_rate``: of them, the share whose
  citizen was called back (target 100%).
- ``rectification_rate``: of the founded bad reviews, the share put right by now;
  ``rectified_on_time_rate``: of the founded ones whose deadline has passed or that were put
  right, the share put right by the deadline.
"""

from __future__ import annotations

import collections
import datetime as dt

import sqlalchemy as sa

from backend.db import db
from backend.licensing.operations import XIAMEN, today
from backend.ratings.models import ServiceRating


def _rate(part: int, whole: int) -> float | None:
    return round(part / whole, 4) if whole else None


def month(first: dt.date, end: dt.date) -> dict:
    """Figures for the ratings given from ``first`` up to (not including) ``end``."""
    start = dt.datetime.combine(first, dt.time(), XIAMEN).astimezone(dt.UTC)
    stop = dt.datetime.combine(end, dt.time(), XIAMEN).astimezone(dt.UTC)
    ratings = db.session.scalars(sa.select(ServiceRating).where(
        ServiceRating.created_at >= start, ServiceRating.created_at < stop)).all()
    levels = collections.Counter(r.level for r in ratings)
    channels = collections.Counter(r.channel for r in ratings)
    bad = [r.follow_up for r in ratings if r.rating_level.is_bad and r.follow_up is not None]
    founded = [f for f in bad if f.founded]
    now = today()
    due = [f for f in founded if f.rectified_at is not None or f.rectify_by < now]
    on_time = [f for f in due if f.rectified_at is not None
               and f.rectified_at.astimezone(XIAMEN).date() <= f.rectify_by]
    return {
        "rated": len(ratings),
        "by_level": {str(level): levels.get(level, 0) for level in range(5, 0, -1)},
        "by_channel": dict(sorted(channels.items())),
        "satisfaction_rate": _rate(sum(r.level >= 3 for r in ratings), len(ratings)),
        "bad": len(bad),
        "called_back_rate": _rate(sum(f.called_back_at is not None for f in bad), len(bad)),
        "rectification_rate": _rate(sum(f.rectified_at is not None for f in founded), len(founded)),
        "rectified_on_time_rate": _rate(len(on_time), len(due)),
    }
