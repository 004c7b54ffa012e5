"""Matters (事项): the catalogue of services the bureau offers. Flags are data, not code; which
channels take a matter now and which rules it checks are its handler's
(``backend.matters.registry``)."""

from __future__ import annotations

import enum

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

from backend.db import Base, enum_column
from backend.matters import registry


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
    inputs: Mapped[list] = mapped_column(sa.JSON)
    position: Mapped[int] = mapped_column(default=0)

    @property
    def channels(self) -> list[str]:
        """Where the matter can be applied for now (none: not offered yet)."""
        handler = registry.handler_for(self.code)
        return [channel.value for channel in handler.channels] if handler else []

    @property
    def applicant(self) -> str | None:
        """Who applies: ``person`` or ``company`` (None: not offered yet)."""
        handler = registry.handler_for(self.code)
        return handler.applicant.value if handler else None

    @property
    def checks(self) -> list[str]:
        """The rules the system checks for it."""
        handler = registry.handler_for(self.code)
        return list(handler.rules) if handler else []
