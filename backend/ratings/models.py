"""好差评 ratings: one per service event, five levels."""

from __future__ import annotations

import datetime as dt
import enum

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from backend.db import Base, UTCDateTime, enum_column, utcnow
from backend.licensing.models import Application


class RatingLevel(enum.IntEnum):
    """The five 好差评 levels (国办发〔2019〕51号); 不满意 and below are bad reviews (差评)."""

    VERY_DISSATISFIED = 1
    DISSATISFIED = 2
    FAIRLY_SATISFIED = 3
    SATISFIED = 4
    VERY_SATISFIED = 5

    @property
    def label(self) -> str:
        return _LABELS[self][0]

    @property
    def label_en(self) -> str:
        return _LABELS[self][1]

    @property
    def is_bad(self) -> bool:
        return self <= RatingLevel.DISSATISFIED


_LABELS = {
    RatingLevel.VERY_SATISFIED: ("非常满意", "Very satisfied"),
    RatingLevel.SATISFIED: ("满意", "Satisfied"),
    RatingLevel.FAIRLY_SATISFIED: ("基本满意", "Fairly satisfied"),
    RatingLevel.DISSATISFIED: ("不满意", "Dissatisfied"),
    RatingLevel.VERY_DISSATISFIED: ("非常不满意", "Very dissatisfied"),
}


class ServiceRating(Base):
    """The rating of one service event (一次一评): a kiosk visit, tied to its application.

    ``session_id`` is empty for ratings given elsewhere (the app, later); one rating per
    visit and one per application either way.
    """

    __tablename__ = "service_ratings"
    __table_args__ = (sa.CheckConstraint("level BETWEEN 1 AND 5", name="level_range"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    application_id: Mapped[int] = mapped_column(sa.ForeignKey("applications.id"), unique=True)
    session_id: Mapped[str | None] = mapped_column(sa.ForeignKey("kiosk_sessions.id"), unique=True)
    device_id: Mapped[str | None] = mapped_column(sa.ForeignKey("devices.id"), index=True)
    channel: Mapped[str] = mapped_column(sa.String(10))
    level: Mapped[int]
    comment: Mapped[str | None] = mapped_column(sa.String(500))
    # The GB/T 39734 evaluation items the rater picked (what was good or what went wrong).
    items: Mapped[list | None] = mapped_column(sa.JSON)
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)

    application: Mapped[Application] = relationship()
    follow_up: Mapped[BadReviewFollowUp | None] = relationship(back_populates="rating")

    @property
    def rating_level(self) -> RatingLevel:
        return RatingLevel(self.level)


# GB/T 39734-2020's evaluation items (what a rating is about), by where the service was given.
ONLINE_ITEMS = {"efficiency": "办事效率 Efficiency", "guide": "服务指南准确性 Accuracy of the guide",
                "convenience": "便捷程度 Convenience", "usability": "平台易用性 Ease of use"}
OFFLINE_ITEMS = {"efficiency": "服务效率 Efficiency", "level": "服务水平 Service level",
                 "attitude": "服务态度 Attitude"}


class FollowUpState(enum.StrEnum):
    VERIFYING = "verifying"  # 核实: the unit checks what went wrong
    RECTIFYING = "rectifying"  # 整改: being put right, by a deadline
    CALLING_BACK = "calling_back"  # 回访: the citizen is told and asked
    CLOSED = "closed"


class BadReviewFollowUp(Base):
    """What a 差评 sets off: verified, rectified by a deadline (working days), the citizen
    called back and their view recorded. The rating itself is never changed."""

    __tablename__ = "bad_review_follow_ups"

    id: Mapped[int] = mapped_column(primary_key=True)
    rating_id: Mapped[int] = mapped_column(sa.ForeignKey("service_ratings.id"), unique=True)
    state: Mapped[FollowUpState] = mapped_column(enum_column(FollowUpState), index=True)
    rectify_by: Mapped[dt.date]
    deadline_known: Mapped[bool] = mapped_column(default=True)
    verified_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)
    verification: Mapped[str | None] = mapped_column(sa.Text)
    founded: Mapped[bool | None]  # was the bad review justified? (unfounded ones are explained)
    rectified_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)
    rectification: Mapped[str | None] = mapped_column(sa.Text)
    called_back_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)
    citizen_satisfied: Mapped[bool | None]
    citizen_view: Mapped[str | None] = mapped_column(sa.String(500))
    closed_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)
    row_version: Mapped[int] = mapped_column(default=1)

    rating: Mapped[ServiceRating] = relationship(back_populates="follow_up")

    __mapper_args__ = {"version_id_col": row_version}
