"""The lists' effects on licensing (regulatory.md §3.4): a blacklisted person fails
``drv.blacklist`` on every driver application and renewal, a blacklisted vehicle
``veh.blacklist`` on a vehicle permit, and a platform that is itself blacklisted, or whose legal
representative or main responsible person is, fails ``plat.blacklist`` when it applies for or
changes its licence. Each refusal names the entry (its record's number, behaviour, decision
document and review day).

The lists are asked like any other source (``credit.entries``, ``credit.company``), so the
facts a decision used are in the query log and the decision can be explained and replayed.
"""

from __future__ import annotations

import marshmallow as ma
import sqlalchemy as sa

from backend.credit.catalogue import ListKind, SubjectKind, behaviour
from backend.credit.models import CreditRecord, ListEntry, Role
from backend.credit.operations import PEOPLE, entries_in_force
from backend.db import db, utcnow
from backend.licensing.rules import Context, Facts, failed, passed, rule
from backend.verification.imports import StrictSchema
from backend.verification.sources import operation

ENTRIES, COMPANY = "credit.entries", "credit.company"
NOTICE = "失信联合惩戒对象名单管理通知（交通运输部，2018）；《网络预约出租汽车经营服务管理暂行办法》"
# The managers whose blacklisting bars their company (the seed: 法定代表人、主要负责人).
BARRING_ROLES = (Role.LEGAL_REPRESENTATIVE, Role.MAIN_RESPONSIBLE)


class EntryAnswer(StrictSchema):
    record = ma.fields.String(required=True)
    behaviour = ma.fields.String(required=True)
    behaviour_name = ma.fields.String(required=True)
    decision_number = ma.fields.String(required=True, allow_none=True)
    subject_kind = ma.fields.String(required=True)
    role = ma.fields.String(required=True, allow_none=True)
    started_on = ma.fields.Date(required=True)
    review_on = ma.fields.Date(required=True)


class EntriesAnswer(StrictSchema):
    entries = ma.fields.List(ma.fields.Nested(EntryAnswer), required=True)


def _answer(entries: list[ListEntry]) -> dict:
    return {"entries": [{
        "record": e.record.number, "behaviour": e.record.behaviour_code,
        "behaviour_name": (found.name if (found := behaviour(e.record.behaviour_code)) else
                           e.record.behaviour_code),
        "decision_number": e.record.decision_number, "subject_kind": e.subject_kind.value,
        "role": e.record.role.value if e.record.role else None,
        "started_on": e.started_at.date().isoformat(), "review_on": e.review_on.isoformat()}
        for e in entries if e.list_kind == ListKind.BLACK]}


def _entries(kind: str, key: str) -> dict:
    """The blacklist entries in force now of a person (``kind`` ``person``) or a vehicle."""
    kinds = PEOPLE if kind == "person" else {SubjectKind(kind)}
    return _answer(entries_in_force(kinds, key))


def _company(uscc: str, id_number: str = "") -> dict:
    """The blacklist entries in force now that bar a company: its own, those of its legal
    representative and main responsible person recorded with it, and (applying for the
    licence) any of the legal representative named in the application."""
    now = utcnow()
    barring = sa.select(CreditRecord.id).where(
        CreditRecord.company_uscc == uscc,
        sa.or_(CreditRecord.subject_kind == SubjectKind.PLATFORM,
               CreditRecord.role.in_(BARRING_ROLES)))
    found = list(db.session.scalars(sa.select(ListEntry).where(
        ListEntry.record_id.in_(barring), ListEntry.list_kind == ListKind.BLACK,
        ListEntry.started_at <= now,
        sa.or_(ListEntry.ended_at.is_(None), ListEntry.ended_at > now)).order_by(ListEntry.id)))
    if id_number:
        found += [e for e in entries_in_force(PEOPLE, id_number) if e not in found]
    return _answer(found)


operation(ENTRIES, _entries, EntriesAnswer())
operation(COMPANY, _company, EntriesAnswer())


ROLE_NAMES = {"legal_representative": ("法定代表人", "legal representative"),
              "main_responsible": ("主要负责人", "main responsible person"),
              "directly_responsible": ("直接责任人", "directly responsible person")}


def _refusal(entry: dict, whose: str, whose_en: str):
    document = entry["decision_number"] or entry["record"]
    return failed(
        f"{whose}因失信行为「{entry['behaviour_name']}」（记录 {entry['record']}，决定书 "
        f"{document}）自 {entry['started_on']} 起列入黑名单，复核日 {entry['review_on']}；"
        "名单期间不予许可。如已整改或对记录有异议，请向市交通运输局申请复核或申诉。",
        f"{whose_en} on the blacklist since {entry['started_on']} for behaviour "
        f"{entry['behaviour']} (record {entry['record']}, decision {document}; review on "
        f"{entry['review_on']}); no licence while listed. Ask the bureau for a review or appeal.",
        record=entry["record"], behaviour=entry["behaviour"], review_on=entry["review_on"])


@rule("drv.blacklist", legal_basis=NOTICE, needs=[ENTRIES])
def driver_blacklist(facts: Facts, ctx: Context):
    entries = (facts.data(ENTRIES) or {"entries": []})["entries"]
    if entries:
        return _refusal(entries[0], "申请人", "The applicant is")
    return passed(blacklisted=False)


@rule("veh.blacklist", legal_basis=NOTICE, needs=[ENTRIES])
def vehicle_blacklist(facts: Facts, ctx: Context):
    entries = (facts.data(ENTRIES) or {"entries": []})["entries"]
    if entries:
        return _refusal(entries[0], "该车辆", "The vehicle is")
    return passed(blacklisted=False)


@rule("plat.blacklist", legal_basis=NOTICE, needs=[COMPANY])
def platform_blacklist(facts: Facts, ctx: Context):
    entries = (facts.data(COMPANY) or {"entries": []})["entries"]
    if not entries:
        return passed(blacklisted=False)
    entry = entries[0]
    if entry["subject_kind"] == SubjectKind.PLATFORM:
        return _refusal(entry, "贵公司", "The company is")
    zh, en = ROLE_NAMES.get(entry["role"] or "legal_representative")
    return _refusal(entry, f"贵公司{zh}", f"The company's {en} is")
