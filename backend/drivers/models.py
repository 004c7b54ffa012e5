"""Exam attempts (national and regional subjects) for driver certificate applications."""

from __future__ import annotations

import datetime as dt

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from backend.db import Base, UTCDateTime, utcnow
from backend.licensing.models import Application

SUBJECTS = ("national", "regional")
SUBJECT_NAMES = {"national": ("全国公共科目", "national"), "regional": ("区域科目", "regional")}


class ExamAttempt(Base):
    __tablename__ = "exam_attempts"

    id: Mapped[int] = mapped_column(primary_key=True)
    application_id: Mapped[int] = mapped_column(sa.ForeignKey("applications.id"), index=True)
    subject: Mapped[str] = mapped_column(sa.String(10))
    score: Mapped[int]
    passed: Mapped[bool]
    recorded_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)
    recorded_by: Mapped[str] = mapped_column(sa.String(120))


class ExamSession(Base):
    """One sitting of the exams (both subjects) that the examiners hold: where, when, how many
    seats. ``booked`` counts the seats taken; it only grows through the guarded update in
    ``drivers.exams.take_seat``, so two bookings at once cannot take the last seat twice."""

    __tablename__ = "exam_sessions"

    id: Mapped[int] = mapped_column(primary_key=True)
    place: Mapped[str] = mapped_column(sa.String(200))
    starts_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, index=True)
    capacity: Mapped[int]
    booked: Mapped[int] = mapped_column(default=0)
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)
    created_by: Mapped[str] = mapped_column(sa.String(120))

    @property
    def seats_left(self) -> int:
        return max(0, self.capacity - self.booked)


class ExamBooking(Base):
    """An applicant's seat at a session: booked on approval, chosen in the app, or booked
    again after a failed subject. The latest booking of an application is its current one."""

    __tablename__ = "exam_bookings"
    __table_args__ = (sa.UniqueConstraint("application_id", "session_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    application_id: Mapped[int] = mapped_column(sa.ForeignKey("applications.id"), index=True)
    session_id: Mapped[int] = mapped_column(sa.ForeignKey("exam_sessions.id"), index=True)
    booked_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)
    booked_by: Mapped[str] = mapped_column(sa.String(120))

    session: Mapped[ExamSession] = relationship()
    application: Mapped[Application] = relationship()
