"""Recording a rating — one per service event (一次一评 at a kiosk visit), one per matter
(一事一评 in the app) — and following a 差评 through: verified (核实), rectified by a deadline in
working days (整改), the citizen called back (回访) and their view recorded.

A rating is never edited or deleted, and staff have no way to give one: only the applicant
(signed in with i厦门) or the kiosk visit they made can.
"""

from __future__ import annotations

import sqlalchemy as sa
from flask import current_app

from backend.audit.operations import record
from backend.common.workdays import calendar
from backend.db import db, utcnow
from backend.errors import ApiError
from backend.identity.models import Person
from backend.licensing.models import Application, State
from backend.licensing.operations import application_for, today
from backend.ratings.models import (
    OFFLINE_ITEMS,
    ONLINE_ITEMS,
    BadReviewFollowUp,
    FollowUpState,
    RatingLevel,
    ServiceRating,
)

# An application can be rated once it is finished, whatever the outcome.
FINISHED = frozenset({State.ISSUED, State.APPROVED, State.REJECTED, State.WITHDRAWN})


def already_rated() -> ApiError:
    return ApiError(409, "本次办理已经评价过了，感谢您的评价。", "This visit has already been rated.")


def items_for(channel: str) -> dict[str, str]:
    return ONLINE_ITEMS if channel == "app" else OFFLINE_ITEMS


def rate(application: Application, level: int, comment: str | None, *, channel: str, actor: str,
         session_id: str | None = None, device_id: str | None = None,
         items: list[str] | None = None) -> ServiceRating:
    """Record the rating of ``application``'s service; a second one is 409, even when both
    arrive at once (the unique constraints decide). A 差评 opens its follow-up."""
    unknown = sorted(set(items or ()) - set(items_for(channel)))
    if unknown:
        raise ApiError(422, "评价项目不在可选范围内。", f"Unknown evaluation items: {', '.join(unknown)}.",
                       errors={"json": {"items": [f"choose from {', '.join(items_for(channel))}"]}})
    rating = ServiceRating(application_id=application.id, session_id=session_id,
                           device_id=device_id, channel=channel, level=int(level),
                           comment=(comment or "").strip() or None,
                           items=sorted(set(items)) if items else None)
    try:
        with db.session.begin_nested():
            db.session.add(rating)
    except sa.exc.IntegrityError:
        raise already_rated() from None
    if rating.rating_level.is_bad:
        work = calendar()
        due = work.add(today(), current_app.config["RATING_RECTIFY_DAYS"])
        rating.follow_up = BadReviewFollowUp(state=FollowUpState.VERIFYING, rectify_by=due,
                                             deadline_known=work.known(due))
    record(actor, "rating.recorded", "application", application.number,
           after={"level": rating.level, "label": RatingLevel(rating.level).label,
                  "session": session_id, "has_comment": rating.comment is not None,
                  "items": rating.items, "bad": rating.rating_level.is_bad})
    return rating


def rate_in_app(person: Person, number: str, level: int, comment: str | None,
                items: list[str] | None) -> ServiceRating:
    """一事一评: the applicant rates one of their finished applications, once."""
    application = application_for(person, number)
    if application.state not in FINISHED:
        raise ApiError(409, "办结后才能评价，请在办件办结后再来。",
                       "An application can be rated once it is finished.")
    return rate(application, level, comment, channel="app", actor=f"person:{person.id}",
                items=items)


def mine(person: Person) -> list[ServiceRating]:
    return list(db.session.scalars(
        sa.select(ServiceRating).join(Application)
        .where(Application.applicant_id == person.id).order_by(ServiceRating.id.desc())))


# -- the 差评 loop ---------------------------------------------------------------------------------

def _require(follow_up: BadReviewFollowUp, state: FollowUpState) -> None:
    if follow_up.state != state:
        raise ApiError(409, f"该差评处理当前为 {follow_up.state.value}，不能进行此步骤。",
                       f"This follow-up is {follow_up.state.value}; the step needs {state.value}.")


def verify(follow_up: BadReviewFollowUp, finding: str, founded: bool, *, actor: str) -> None:
    """核实: what happened. A founded review is rectified; an unfounded one is explained to the
    citizen at the call-back (no rectification to make)."""
    _require(follow_up, FollowUpState.VERIFYING)
    follow_up.verified_at, follow_up.verification = utcnow(), finding.strip()
    follow_up.founded = founded
    follow_up.state = FollowUpState.RECTIFYING if founded else FollowUpState.CALLING_BACK
    record(actor, "rating.verified", "rating", follow_up.rating_id,
           after={"founded": founded, "state": follow_up.state})


def rectify(follow_up: BadReviewFollowUp, what_was_done: str, *, actor: str) -> None:
    """整改: what was put right; on time when done by ``rectify_by``."""
    _require(follow_up, FollowUpState.RECTIFYING)
    follow_up.rectified_at, follow_up.rectification = utcnow(), what_was_done.strip()
    follow_up.state = FollowUpState.CALLING_BACK
    record(actor, "rating.rectified", "rating", follow_up.rating_id,
           after={"on_time": today() <= follow_up.rectify_by})


def record_view(follow_up: BadReviewFollowUp, satisfied: bool, view: str | None, *,
                actor: str) -> None:
    """回访: the citizen's view of what was done (given at a call-back, or in the app); the
    follow-up is closed either way and the view is kept as said."""
    _require(follow_up, FollowUpState.CALLING_BACK)
    follow_up.called_back_at = follow_up.closed_at = utcnow()
    follow_up.citizen_satisfied = satisfied
    follow_up.citizen_view = (view or "").strip() or None
    follow_up.state = FollowUpState.CLOSED
    record(actor, "rating.called_back", "rating", follow_up.rating_id,
           after={"satisfied": satisfied, "has_view": follow_up.citizen_view is not None})


def my_follow_up(person: Person, rating_id: int) -> BadReviewFollowUp:
    follow_up = db.session.scalar(
        sa.select(BadReviewFollowUp).join(ServiceRating).join(Application)
        .where(BadReviewFollowUp.rating_id == rating_id, Application.applicant_id == person.id))
    if follow_up is None:
        raise ApiError(404, "未找到该差评处理。", "No such follow-up.")
    return follow_up
