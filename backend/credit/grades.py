"""Service-quality credit grades (服务质量信誉考核, regulatory.md §3.3): platforms AAAAA…B and
drivers AAA/AA/A/B, for a year or for the twelve months up to a day, computed by the rules in
``grades.json`` (indicators, weights, thresholds, caps: data, not code) with the breakdown that
produced each grade. ``docs/credit.md`` explains the rules."""

from __future__ import annotations

import collections
import dataclasses
import datetime as dt
import json
from functools import cache
from pathlib import Path

import sqlalchemy as sa
from flask import current_app

from backend.certificates.models import Certificate, Kind
from backend.credit import figures as outside
from backend.credit.catalogue import ListKind, SubjectKind, behaviour
from backend.credit.models import CreditRecord, Grade, ListEntry, RecordState
from backend.credit.operations import PEOPLE
from backend.db import db, utcnow
from backend.hotline.models import Kind as TicketKind
from backend.hotline.models import Ticket
from backend.licensing.operations import XIAMEN
from backend.platforms.models import Platform
from backend.supervision import quality

DEFAULT_FILE = Path(__file__).with_name("grades.json")


@dataclasses.dataclass(frozen=True)
class Period:
    label: str  # "2026" for a year, "2026-12-06" for the twelve months up to that day
    first: dt.date
    last: dt.date

    def bounds(self) -> tuple[dt.datetime, dt.datetime]:
        """The period's first and after-last moments (Beijing days), as UTC-aware times."""
        start = dt.datetime.combine(self.first, dt.time(), XIAMEN)
        return start, dt.datetime.combine(self.last + dt.timedelta(days=1), dt.time(), XIAMEN)

    def to_json(self) -> dict:
        return {"label": self.label, "first": self.first.isoformat(), "last": self.last.isoformat()}


def year(number: int) -> Period:
    return Period(str(number), dt.date(number, 1, 1), dt.date(number, 12, 31))


def as_of(day: dt.date) -> Period:
    """The twelve months ending on ``day``."""
    first = day.replace(year=day.year - 1) + dt.timedelta(days=1) if not (
        day.month == 2 and day.day == 29) else dt.date(day.year - 1, 3, 1)
    return Period(day.isoformat(), first, day)


@cache
def _load(path: str) -> dict:
    return json.loads(Path(path).read_text("utf-8"))


def rules() -> dict:
    return _load(str(current_app.config.get("CREDIT_GRADES_FILE") or DEFAULT_FILE))


# -- what counts: records and lists in the period ---------------------------------------------------

def _records(kinds, key: str, period: Period) -> list[CreditRecord]:
    return list(db.session.scalars(sa.select(CreditRecord).where(
        CreditRecord.subject_kind.in_(list(kinds)), CreditRecord.subject_key == key,
        CreditRecord.state == RecordState.IN_FORCE,
        CreditRecord.occurred_on.between(period.first, period.last)).order_by(CreditRecord.occurred_on)))


def _deductions(found: list[CreditRecord]) -> tuple[int, list[dict]]:
    lines = []
    for one in found:
        known = behaviour(one.behaviour_code)
        lines.append({"record": one.number, "behaviour": one.behaviour_code,
                      "occurred_on": one.occurred_on.isoformat(), "points": known.points if known else 0})
    return sum(line["points"] for line in lines), lines


def _entries(kinds, period: Period, key: str | None = None):
    """(subject key, list) of the entries in force at any time in the period (an entry ended
    by an upheld appeal never counted)."""
    start, end = period.bounds()
    query = sa.select(ListEntry.subject_key, ListEntry.list_kind).where(
        ListEntry.subject_kind.in_(list(kinds)), ListEntry.started_at < end,
        sa.or_(ListEntry.ended_at.is_(None), ListEntry.ended_at > start),
        sa.or_(ListEntry.end_reason.is_(None), ListEntry.end_reason != "appeal_upheld"))
    if key is not None:
        query = query.where(ListEntry.subject_key == key)
    return db.session.execute(query).all()


def _worst(kinds_listed) -> str | None:
    """``blacklisted`` or ``watch``: the worst list among ``kinds_listed``, or None."""
    if ListKind.BLACK in kinds_listed:
        return "blacklisted"
    return "watch" if ListKind.WATCH in kinds_listed else None


def _listed(kinds, key: str, period: Period) -> str | None:
    return _worst({kind for _, kind in _entries(kinds, period, key)})


def _graded(score: float, part: dict, listed: str | None) -> tuple[str, dict | None]:
    order = [name for name, _ in part["thresholds"]]
    grade = next(name for name, low in part["thresholds"] if low is None or score >= low)
    cap = part["caps"].get(listed) if listed else None
    if cap is not None and order.index(grade) < order.index(cap):
        return cap, {"because": listed, "grade": cap, "would_be": grade}
    return grade, None


# -- platforms ------------------------------------------------------------------------------------

def platform_figures(platforms: list[Platform], period: Period) -> dict[str, dict]:
    """Each platform's figures for the period: the feed's data quality summed over its days
    (``backend.supervision.quality``), the dual-compliance rate and its upheld complaints."""
    sums = {p.code: dict.fromkeys(("licensed", "reporting", "orders", "complete", "matched",
                                   "unknown"), 0) for p in platforms}
    for day in quality.quality([p for p in platforms if p.company_id], period.first, period.last):
        total = sums[day.platform_code]
        total["licensed"] += day.licensed_vehicles
        total["reporting"] += day.licensed_vehicles_reporting
        total["orders"] += day.orders
        total["complete"] += day.orders_complete
        total["matched"] += day.matched_orders
        total["unknown"] += day.unknown_driver_or_vehicle
    start, end = period.bounds()
    complaints = dict(db.session.execute(sa.select(Ticket.platform, sa.func.count()).where(
        Ticket.kind == TicketKind.COMPLAINT, Ticket.upheld.is_(True),
        Ticket.created_at >= start, Ticket.created_at < end).group_by(Ticket.platform)).all())
    dual = outside.dual_compliance_rates(platforms, period.first, period.last)
    return {p.code: {
        "licensed_vehicles_reporting_share": quality.share(sums[p.code]["reporting"], sums[p.code]["licensed"]),
        "orders_complete_share": quality.share(sums[p.code]["complete"], sums[p.code]["orders"]),
        "consistent_share": quality.share(sums[p.code]["matched"] - sums[p.code]["unknown"],
                                          sums[p.code]["matched"]),
        "dual_compliance_rate": dual[p.code],
        "upheld_complaints": complaints.get(p.code, 0)} for p in platforms}


def _indicator(indicator: dict, value) -> float | None:
    if value is None:
        return None
    if indicator["kind"] == "share":
        return indicator["weight"] * max(0.0, min(1.0, value))
    return indicator["weight"] * max(0.0, 1 - value / indicator["zero_at"])


def grade_platform(platform: Platform, period: Period, figures: dict) -> dict:
    part = rules()["platform"]
    lines, earned, possible = [], 0.0, 0
    for indicator in part["indicators"]:
        value = figures.get(indicator["figure"])
        points = _indicator(indicator, value)
        lines.append({"code": indicator["code"], "name": indicator["name"],
                      "name_en": indicator["name_en"], "weight": indicator["weight"],
                      "value": value, "points": None if points is None else round(points, 1)})
        if points is not None:
            earned, possible = earned + points, possible + indicator["weight"]
    scaled = earned * part["scale"] / possible if possible else part["scale"]
    deducted, records = _deductions(_records({SubjectKind.PLATFORM}, platform.uscc, period))
    score = round(max(0.0, scaled - deducted), 1)
    listed = _listed({SubjectKind.PLATFORM}, platform.uscc, period)
    grade, cap = _graded(score, part, listed)
    return {"grade": grade, "score": score, "breakdown": {
        "rules_version": rules()["version"], "period": period.to_json(), "indicators": lines,
        "indicator_points": round(earned, 1), "weights_with_figures": possible,
        "scaled": round(scaled, 1), "scale": part["scale"], "records": records,
        "deducted": deducted, "listed": listed, "cap": cap, "thresholds": part["thresholds"]}}


# -- drivers --------------------------------------------------------------------------------------

def grade_driver(id_number: str, period: Period) -> dict:
    return _driver_result(_records({SubjectKind.DRIVER}, id_number, period),
                          _listed(PEOPLE, id_number, period), period)


def _driver_result(found: list[CreditRecord], listed: str | None, period: Period) -> dict:
    part = rules()["driver"]
    deducted, records = _deductions(found)
    score = part["base"] - deducted
    grade, cap = _graded(score, part, listed)
    return {"grade": grade, "score": score, "breakdown": {
        "rules_version": rules()["version"], "period": period.to_json(), "base": part["base"],
        "records": records, "deducted": deducted, "listed": listed, "cap": cap,
        "thresholds": part["thresholds"]}}


def _drivers_results(drivers, period: Period) -> dict[str, dict]:
    """Every driver's result from one read of the period's records and one of its entries
    (a query per driver would be two for each of some 18,000 drivers a year)."""
    found = collections.defaultdict(list)
    for one in db.session.scalars(sa.select(CreditRecord).where(
            CreditRecord.subject_kind == SubjectKind.DRIVER,
            CreditRecord.state == RecordState.IN_FORCE,
            CreditRecord.occurred_on.between(period.first, period.last))
            .order_by(CreditRecord.occurred_on)):
        found[one.subject_key].append(one)
    listed = collections.defaultdict(set)
    for key, kind in _entries(PEOPLE, period):
        listed[key].add(kind)
    return {key: _driver_result(found.get(key, []), _worst(listed.get(key, ())), period)
            for key in drivers}


def drivers_in(period: Period) -> dict[str, str]:
    """ID number → name of everybody who held a driver certificate in the period, or has a
    driver record in it."""
    held = db.session.execute(sa.select(Certificate.number, Certificate.holder_name).where(
        Certificate.kind == Kind.DRIVER, Certificate.valid_from <= period.last,
        Certificate.valid_until >= period.first).order_by(Certificate.id))
    drivers = {number: name or number for number, name in held}
    recorded = db.session.execute(sa.select(CreditRecord.subject_key, CreditRecord.subject_name).where(
        CreditRecord.subject_kind == SubjectKind.DRIVER,
        CreditRecord.occurred_on.between(period.first, period.last)))
    for key, name in recorded:
        drivers.setdefault(key, name)
    return drivers


# -- storing ----------------------------------------------------------------------------------------

def _store(kind: SubjectKind, key: str, name: str, period: Period, result: dict, actor: str,
           grade: Grade | None = None) -> Grade:
    """Store (or replace) a grade; ``grade``: the stored one when the caller read it already."""
    grade = grade or db.session.scalar(sa.select(Grade).where(
        Grade.subject_kind == kind, Grade.subject_key == key, Grade.period == period.label))
    if grade is None:
        grade = Grade(subject_kind=kind, subject_key=key, period=period.label)
        db.session.add(grade)
    grade.subject_name, grade.first_day, grade.last_day = name, period.first, period.last
    grade.grade, grade.score, grade.breakdown = result["grade"], result["score"], result["breakdown"]
    grade.computed_at, grade.computed_by = utcnow(), actor
    return grade


def grade_everyone(period: Period, kinds, *, actor: str) -> list[Grade]:
    stored = []
    if SubjectKind.PLATFORM in kinds:
        platforms = list(db.session.scalars(sa.select(Platform).order_by(Platform.code)))
        figures = platform_figures(platforms, period)
        for platform in platforms:
            stored.append(_store(SubjectKind.PLATFORM, platform.uscc, platform.name, period,
                                 grade_platform(platform, period, figures[platform.code]), actor))
    if SubjectKind.DRIVER in kinds:
        drivers = drivers_in(period)
        results = _drivers_results(drivers, period)
        existing = {g.subject_key: g for g in db.session.scalars(sa.select(Grade).where(
            Grade.subject_kind == SubjectKind.DRIVER, Grade.period == period.label))}
        for id_number, name in drivers.items():
            stored.append(_store(SubjectKind.DRIVER, id_number, name, period, results[id_number],
                                 actor, existing.get(id_number)))
    db.session.flush()
    return stored


def grade_one_platform(platform: Platform, period: Period, *, actor: str) -> Grade:
    figures = platform_figures([platform], period)[platform.code]
    grade = _store(SubjectKind.PLATFORM, platform.uscc, platform.name, period,
                   grade_platform(platform, period, figures), actor)
    db.session.flush()
    return grade


def latest_yearly(kind: SubjectKind, key: str) -> Grade | None:
    """The subject's grade for its latest graded year (a year's label is four digits)."""
    return db.session.scalar(sa.select(Grade).where(
        Grade.subject_kind == kind, Grade.subject_key == key, sa.func.length(Grade.period) == 4)
        .order_by(Grade.period.desc()).limit(1))
