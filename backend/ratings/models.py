"""好差评 ratings: one per service event, five levels."""

from __future__ import annotations

import datetime as dt
import enum

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from backend.db import Base, UTCDateTime, utcnow
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
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)

    application: Mapped[Application] = relationship()

    @property
    def rating_level(self) -> RatingLevel:
        return RatingLevel(self.level)
