"""Exam attempts (national and regional subjects) for driver certificate applications."""

from __future__ import annotations

import datetime as dt

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

from backend.db import Base, UTCDateTime, utcnow

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
