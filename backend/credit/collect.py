"""The automatic sources of credit records (``flask credit collect``, from a timer):

* an upheld 12328 complaint (``Ticket.upheld``) about a driver is recorded against the driver
  (``drv.complaint_upheld``, keyed by the driver certificate's number, the ID number); one about
  a platform or one of its vehicles against the platform (``plat.complaint_upheld``);
* a platform's ``ratedDriverPunish`` record in the data feed against that driver
  (``drv.platform_punished``);
* a revoked certificate (its validity history, ``StatusChange``) against its holder:
  ``drv.certificate_revoked``, ``veh.certificate_revoked`` (the plate) or
  ``plat.licence_revoked`` (the company);
* a day on which a platform's feed fell below the data-quality minimum
  (``CREDIT_QUALITY_MIN_SHARE``: the share of its licensed vehicles reporting positions, or of
  its orders with pick-up, drop-off and payment) (``plat.data_quality``).

Each is recorded once: the record keeps its source and reference, and a second run finds it.
"""

from __future__ import annotations

import datetime as dt

import sqlalchemy as sa
from flask import current_app

from backend.certificates.models import Certificate, Kind, Status, StatusChange
from backend.credit import operations
from backend.credit.models import CreditRecord, Source
from backend.db import db
from backend.errors import ApiError
from backend.hotline.models import Kind as TicketKind
from backend.hotline.models import Subject, Ticket
from backend.identity.models import Person
from backend.licensing.operations import XIAMEN, today
from backend.platforms.models import Platform
from backend.supervision import events, quality

ACTOR = "system:credit"


def everything(since: dt.date) -> dict[str, int]:
    return {"complaints": complaints(), "platform_punishments": platform_punishments(since),
            "revocations": revocations(), "data_quality": data_quality(since)}


def _day(moment: dt.datetime) -> dt.date:
    return moment.astimezone(XIAMEN).date()


def _person_name(id_number: str) -> str:
    name = db.session.scalar(sa.select(Person.name).where(Person.id_number == id_number))
    return name or "驾驶员 driver"


def _once(source: Source, ref: str, code: str, **fields) -> int:
    """1 when recorded now; 0 when it was before or its subject cannot be named (a ticket whose
    reference is not an ID number: the clerk records it by hand)."""
    try:
        with db.session.begin_nested():
            return int(operations.record_once(source, ref, code, actor=ACTOR, **fields) is not None)
    except ApiError:
        return 0


def _recorded(source: Source):
    return sa.select(CreditRecord.source_ref).where(CreditRecord.source == source)


def complaints() -> int:
    found = 0
    tickets = db.session.scalars(sa.select(Ticket).where(
        Ticket.kind == TicketKind.COMPLAINT, Ticket.upheld.is_(True),
        Ticket.number.not_in(_recorded(Source.HOTLINE))).order_by(Ticket.id))
    for ticket in tickets:
        facts = f"12328 工单 {ticket.number} 经查属实：{ticket.finding or ticket.text}"
        common = {"facts": facts, "occurred_on": _day(ticket.created_at),
                  "decision_number": ticket.number}
        if ticket.subject == Subject.DRIVER and ticket.subject_ref:
            found += _once(Source.HOTLINE, ticket.number, "drv.complaint_upheld",
                           subject_key=ticket.subject_ref,
                           subject_name=_person_name(ticket.subject_ref.strip().upper()), **common)
        elif ticket.subject in (Subject.PLATFORM, Subject.VEHICLE) and ticket.platform:
            platform = db.session.get(Platform, ticket.platform)
            if platform is not None:
                found += _once(Source.HOTLINE, ticket.number, "plat.complaint_upheld",
                               subject_key=platform.uscc, subject_name=platform.name, **common)
    return found


def platform_punishments(since: dt.date) -> int:
    rows = events.query(f"SELECT CompanyId, LicenseId, PunishTime, PunishReason, PunishResult, "
                        f"event_time FROM {events.view('ratedDriverPunish')} WHERE day >= ? "
                        f"ORDER BY event_time", [since])
    platforms = {p.company_id: p for p in db.session.scalars(
        sa.select(Platform).where(Platform.company_id.is_not(None)))}
    found = 0
    for row in rows:
        platform = platforms.get(row["CompanyId"])
        who = platform.name if platform else row["CompanyId"]
        facts = (f"平台 {who} 报送的驾驶员处罚：{row['PunishResult']}"
                 + (f"（原因：{row['PunishReason']}）" if row.get("PunishReason") else ""))
        found += _once(Source.PLATFORM_PUNISH,
                       f"{row['CompanyId']}:{row['LicenseId']}:{row['PunishTime']}",
                       "drv.platform_punished", subject_key=row["LicenseId"],
                       subject_name=_person_name(row["LicenseId"]), facts=facts,
                       occurred_on=row["event_time"].date())
    return found


REVOKED = {Kind.DRIVER: "drv.certificate_revoked", Kind.TRANSPORT: "veh.certificate_revoked",
           Kind.PLATFORM: "plat.licence_revoked"}


def _revoked_subject(certificate: Certificate) -> tuple[str, str] | None:
    if certificate.kind == Kind.DRIVER:
        return certificate.number, certificate.holder_name or certificate.holder.name
    if certificate.kind == Kind.TRANSPORT:
        return certificate.plate, certificate.plate
    uscc = (certificate.details or {}).get("uscc") or (certificate.company.uscc if certificate.company else None)
    name = (certificate.details or {}).get("name") or uscc
    return (uscc, name) if uscc else None


def revocations() -> int:
    found = 0
    changes = db.session.execute(sa.select(StatusChange, Certificate).join(Certificate).where(
        StatusChange.status == Status.REVOKED,
        ("status_change:" + sa.cast(StatusChange.id, sa.String)).not_in(_recorded(Source.REVOCATION)))
        .order_by(StatusChange.id))
    for change, certificate in changes:
        subject = _revoked_subject(certificate)
        if subject is None:
            continue
        found += _once(Source.REVOCATION, f"status_change:{change.id}", REVOKED[certificate.kind],
                       subject_key=subject[0], subject_name=subject[1],
                       facts=f"证件 {certificate.number} 被吊销/撤销：{change.reason or '—'}",
                       occurred_on=_day(change.at), decision_number=None)
    return found


def _failures(day) -> list[str]:
    """What fell below the minimum on one platform's day, in words (none: an empty list)."""
    minimum = current_app.config["CREDIT_QUALITY_MIN_SHARE"]
    problems = []
    if day.licensed_vehicles and day.licensed_vehicles_reporting / day.licensed_vehicles < minimum:
        problems.append(f"上报定位的在册车辆 {day.licensed_vehicles_reporting}/{day.licensed_vehicles}"
                        f"（licensed vehicles reporting positions）")
    if day.orders and day.orders_complete / day.orders < minimum:
        problems.append(f"完整订单 {day.orders_complete}/{day.orders}（orders with pick-up, drop-off "
                        "and payment）")
    return problems


def data_quality(since: dt.date) -> int:
    """Complete days only: from ``since`` to yesterday."""
    last = today() - dt.timedelta(days=1)
    if since > last:
        return 0
    found = 0
    platforms = {p.code: p for p in quality.platforms_reporting()}
    for day in quality.quality(list(platforms.values()), since, last):
        problems = _failures(day)
        if problems:
            platform = platforms[day.platform_code]
            minimum = current_app.config["CREDIT_QUALITY_MIN_SHARE"]
            found += _once(Source.DATA_QUALITY, f"{platform.code}:{day.day.isoformat()}",
                           "plat.data_quality", subject_key=platform.uscc,
                           subject_name=platform.name, occurred_on=day.day,
                           facts=f"{day.day} 数据质量低于 {minimum:.0%}：" + "；".join(problems))
    return found
