"""Reading the platform register."""

from __future__ import annotations

import datetime as dt

import sqlalchemy as sa

from backend.db import db
from backend.platforms.models import Platform


def platform_name(code: str | None) -> str | None:
    """The platform's name for printing on a certificate."""
    platform = db.session.get(Platform, code) if code else None
    return platform.name if platform else None


def licensed_platforms(on: dt.date) -> list[Platform]:
    """Platforms an owner may choose: in the register with a licence in force ``on``."""
    rows = db.session.scalars(sa.select(Platform).order_by(Platform.name))
    return [p for p in rows if p.licensed_on(on)]
