"""Recording a rating: one per service event (一次一评), one per application (一事一评)."""

from __future__ import annotations

import sqlalchemy as sa

from backend.audit.operations import record
from backend.db import db
from backend.errors import ApiError
from backend.licensing.models import Application
from backend.ratings.models import RatingLevel, ServiceRating


def already_rated() -> ApiError:
    return ApiError(409, "本次办理已经评价过了，感谢您的评价。", "This visit has already been rated.")


def rate(application: Application, level: int, comment: str | None, *, channel: str, actor: str,
         session_id: str | None = None, device_id: str | None = None) -> ServiceRating:
    """Record the rating of ``application``'s service; a second one is 409, even when both
    arrive at once (the unique constraints decide)."""
    rating = ServiceRating(application_id=application.id, session_id=session_id,
                           device_id=device_id, channel=channel, level=int(level),
                           comment=(comment or "").strip() or None)
    try:
        with db.session.begin_nested():
            db.session.add(rating)
    except sa.exc.IntegrityError:
        raise already_rated() from None
    record(actor, "rating.recorded", "application", application.number,
           after={"level": rating.level, "label": RatingLevel(rating.level).label,
                  "session": session_id, "has_comment": rating.comment is not None})
    return rating
