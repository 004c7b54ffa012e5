"""The lists as a source the licensing rules ask (``credit.entries``, ``credit.company``), like
any other source, so the facts a decision used are in the query log and the decision can be
explained and replayed. The rules themselves live with their matters (``drv.blacklist`` in
``backend/drivers/rules.py``, ``veh.blacklist`` in ``backend/vehicles/rules.py``,
``plat.blacklist`` in ``backend/platforms/rules.py``); their refusal names the entry
(``backend.credit.refusals``).
"""

from __future__ import annotations

import marshmallow as ma
import sqlalchemy as sa

from backend.credit.catalogue import ListKind, SubjectKind, behaviour
from backend.credit.models import CreditRecord, ListEntry, Role
from backend.credit.operations import PEOPLE, entries_in_force
from backend.credit.refusals import COMPANY, ENTRIES
from backend.db import db, utcnow
from backend.licensing.operations import XIAMEN
from backend.verification.imports import StrictSchema
from backend.verification.sources import operation

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
        "started_on": e.started_at.astimezone(XIAMEN).date().isoformat(), "review_on": e.review_on.isoformat()}
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


operation(ENTRIES, _entries, EntriesAnswer(),
          department=("交通运输局（信用管理）", "the transport bureau (credit records)"))
operation(COMPANY, _company, EntriesAnswer(),
          department=("交通运输局（信用管理）", "the transport bureau (credit records)"))
