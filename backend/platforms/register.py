"""The register of licensed platform companies: reading it, and the entries a granted
licence, a change of name and the ministry's ``CompanyId`` make (each audited)."""

from __future__ import annotations

import datetime as dt

import sqlalchemy as sa

from backend.audit.operations import record
from backend.db import db
from backend.errors import ApiError
from backend.platforms.models import Platform


def platform_name(code: str | None) -> str | None:
    """The platform's name for printing on a certificate."""
    platform = db.session.get(Platform, code) if code else None
    return platform.name if platform else None


def licensed_platforms(on: dt.date) -> list[Platform]:
    """Platforms an owner may choose: in the register with a licence in force ``on``."""
    rows = db.session.scalars(sa.select(Platform).order_by(Platform.name))
    return [p for p in rows if p.licensed_on(on)]


def platform_of(uscc: str) -> Platform | None:
    """The company's entry in the register (one per credit code)."""
    return db.session.scalar(sa.select(Platform).where(Platform.uscc == uscc)
                             .order_by(Platform.code).limit(1))


def enter_register(*, uscc: str, name: str, licence_number: str, licensed_from: dt.date,
                   valid_until: dt.date, actor: str) -> Platform:
    """Enter a newly licensed company in the register, or bring its entry up to date (a
    register import may already have it under another code); ``veh.platform_licensed`` and the
    data intake read it from here. New entries take the credit code as their code."""
    platform = platform_of(uscc)
    before = _snapshot(platform) if platform else None
    if platform is None:
        platform = Platform(code=uscc, uscc=uscc)
        db.session.add(platform)
    platform.name, platform.licence_number = name, licence_number
    platform.licensed_from, platform.valid_until, platform.status = licensed_from, valid_until, "valid"
    record(actor, "platform.registered" if before is None else "platform.updated", "platform",
           platform.code, before=before, after=_snapshot(platform))
    return platform


def rename(platform: Platform, name: str, *, actor: str) -> None:
    before = _snapshot(platform)
    platform.name = name
    record(actor, "platform.updated", "platform", platform.code, before=before,
           after=_snapshot(platform))


def set_company_id(code: str, company_id: str, *, actor: str) -> Platform:
    """Record the ministry's ``CompanyId`` (部统一分配) of a platform in the register."""
    platform = db.session.get(Platform, code)
    if platform is None:
        raise ApiError(404, f"平台登记簿中没有编码为 {code} 的平台。", f"No platform {code} in the register.")
    company_id = company_id.strip()
    if not (1 <= len(company_id) <= 32 and company_id.isascii() and company_id.isalnum()):
        raise ApiError(422, "CompanyId 应为 1–32 位字母或数字。", "A CompanyId is 1–32 letters or digits.",
                       errors={"json": {"company_id": ["1–32 letters or digits"]}})
    taken = db.session.scalar(sa.select(Platform).where(Platform.company_id == company_id,
                                                        Platform.code != code))
    if taken is not None:
        raise ApiError(409, f"CompanyId {company_id} 已登记给平台 {taken.code}。",
                       f"CompanyId {company_id} already belongs to platform {taken.code}.")
    before = _snapshot(platform)
    platform.company_id = company_id
    db.session.flush()
    record(actor, "platform.company_id", "platform", code, before=before, after=_snapshot(platform))
    return platform


def _snapshot(platform: Platform) -> dict:
    return {"name": platform.name, "uscc": platform.uscc, "licence_number": platform.licence_number,
            "company_id": platform.company_id, "licensed_from": platform.licensed_from,
            "valid_until": platform.valid_until, "status": platform.status}
