"""The hotline's monthly figures, as the bureau publishes them (no personal data).

For a month (Xiamen time):

- ``taken_in``: tickets taken in, by kind and by channel.
- ``immediate_answer_rate``: consultations answered at once from the knowledge base, of all
  consultations taken in.
- ``on_time_rate``: of the tickets whose reply was due in the month (at their current handling
  level, after approved extensions) and whose due day has passed or that were replied, the share
  replied by the due day.
- ``closure_rate``: of the tickets taken in, the share closed by now.
- ``satisfaction_rate``: of the call-backs made in the month, the share satisfied or basically
  satisfied (回访满意率); answered-at-once consultations are not called back.
- ``complaints_upheld``: complaints and reports handled in the month that were founded, and
  ``upheld_by_platform`` the same by the platform the ride was booked on (where the caller or
  the feed named it): the subject's statistics, and what the credit records read.
"""

from __future__ import annotations

import collections
import datetime as dt

import sqlalchemy as sa

from backend.db import db
from backend.hotline.models import Kind, Satisfaction, Ticket, TicketChannel, TicketState
from backend.licensing.operations import XIAMEN, today


def parse_month(text: str | None) -> dt.date | None:
    """``2026-12`` → 1 December 2026; None for anything else."""
    try:
        return dt.datetime.strptime(text or "", "%Y-%m").date()
    except ValueError:
        return None


def shift(month: dt.date, months: int) -> dt.date:
    index = month.year * 12 + month.month - 1 + months
    return dt.date(index // 12, index % 12 + 1, 1)


def _bounds(month: dt.date) -> tuple[dt.datetime, dt.datetime]:
    start = dt.datetime.combine(month, dt.time(), XIAMEN)
    return start.astimezone(dt.UTC), dt.datetime.combine(shift(month, 1), dt.time(), XIAMEN).astimezone(dt.UTC)


def _rate(part: int, whole: int) -> float | None:
    return round(part / whole, 4) if whole else None


def month(first: dt.date) -> dict:
    start, end = _bounds(first)
    taken = db.session.scalars(sa.select(Ticket).where(Ticket.created_at >= start,
                                                       Ticket.created_at < end)).all()
    due = db.session.scalars(sa.select(Ticket).where(
        Ticket.reply_by >= first, Ticket.reply_by < shift(first, 1))).all()
    called = db.session.scalars(sa.select(Ticket).where(Ticket.called_back_at >= start,
                                                        Ticket.called_back_at < end)).all()
    handled = db.session.scalars(sa.select(Ticket).where(Ticket.handled_at >= start,
                                                         Ticket.handled_at < end)).all()
    now = today()
    decided = [t for t in due if t.replied_at is not None or t.reply_by < now]
    on_time = [t for t in decided if t.replied_at is not None
               and t.replied_at.astimezone(XIAMEN).date() <= t.reply_by]
    consultations = [t for t in taken if t.kind == Kind.CONSULTATION]
    at_once = [t for t in consultations if (t.finding or "").startswith("knowledge:")]
    pleased = [t for t in called if t.satisfaction != Satisfaction.DISSATISFIED]
    by_kind = collections.Counter(t.kind.value for t in taken)
    by_channel = collections.Counter(t.channel.value for t in taken)
    return {
        "month": f"{first:%Y-%m}",
        "taken_in": len(taken),
        "by_kind": {k.value: by_kind.get(k.value, 0) for k in Kind},
        "by_channel": {c.value: by_channel.get(c.value, 0) for c in TicketChannel},
        "immediate_answer_rate": _rate(len(at_once), len(consultations)),
        "replies_due": len(decided),
        "on_time_rate": _rate(len(on_time), len(decided)),
        "closure_rate": _rate(sum(t.state == TicketState.CLOSED for t in taken), len(taken)),
        "called_back": len(called),
        "satisfaction_rate": _rate(len(pleased), len(called)),
        "complaints_upheld": sum(bool(t.upheld) for t in handled),
        "upheld_by_platform": dict(sorted(collections.Counter(
            t.platform for t in handled if t.upheld and t.platform).items())),
    }
