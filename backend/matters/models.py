"""Matters (事项): the catalogue of services the bureau offers. Flags are data, not code."""

from __future__ import annotations

import enum

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

from backend.db import Base, enum_column


class Subject(enum.StrEnum):
    DRIVER = "driver"
    VEHICLE = "vehicle"
    PLATFORM = "platform"


class Matter(Base):
    __tablename__ = "matters"

    code: Mapped[str] = mapped_column(sa.String(40), primary_key=True)
    name: Mapped[str] = mapped_column(sa.String(100))
    name_en: Mapped[str] = mapped_column(sa.String(200))
    subject: Mapped[Subject] = mapped_column(enum_column(Subject))
    zero_material: Mapped[bool]
    instant: Mapped[bool]
    auto_decided: Mapped[bool]
    legal_basis: Mapped[str] = mapped_column(sa.String(300))
    time_limit_days: Mapped[int]
    channels: Mapped[list] = mapped_column(sa.JSON)
    inputs: Mapped[list] = mapped_column(sa.JSON)
    checks: Mapped[list] = mapped_column(sa.JSON)
    position: Mapped[int] = mapped_column(default=0)
