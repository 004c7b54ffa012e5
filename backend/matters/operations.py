"""Reading the matter catalogue."""

from __future__ import annotations

import sqlalchemy as sa

from backend.db import db
from backend.errors import ApiError
from backend.matters.models import Matter


def catalogue() -> list[Matter]:
    return list(db.session.scalars(sa.select(Matter).order_by(Matter.position)))


def get_matter(code: str) -> Matter:
    matter = db.session.get(Matter, code)
    if matter is None:
        raise ApiError(404, f"没有编码为 {code} 的事项。", f"There is no matter with code {code}.")
    return matter


def summary(matters: list[Matter]) -> dict[str, int]:
    """The headline counts the seed reports: 11 matters, 6 zero-material, 9 instant, 4 by system."""
    return {
        "total": len(matters),
        "zero_material": sum(m.zero_material for m in matters),
        "instant": sum(m.instant for m in matters),
        "auto_decided": sum(m.auto_decided for m in matters),
    }
