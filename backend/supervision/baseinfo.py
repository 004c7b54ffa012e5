"""Base information (``baseInfo*``) in the relational database: one row per platform, interface and
natural key, upserted with the spec's ``Flag`` (1 add, 2 update, 3 delete).

A record whose ``UpdateTime`` is older than the stored one never overwrites it (the upsert's own
``WHERE``, so two requests racing each other cannot break the rule either); an equal one does (a
resend). An add for a key already stored is an update, an update for an unknown key an add: the
platform's latest word counts. A delete keeps the row, marked ``deleted``, so a late older add
cannot bring it back.

Personal data is stored only as far as supervision needs it (``protect``): drivers' and passengers'
phone numbers and names masked, a passenger's phone (the key of ``baseInfoPassenger``) as a keyed
hash, home and emergency-contact addresses not kept. The driver's ``LicenseId`` (the ID number)
stays whole: it is what the dual-compliance check matches against the driver certificates.
The hash is keyed with ``SECRET_KEY``: a new key starts new passenger keys.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import hashlib
import hmac

import sqlalchemy as sa
from flask import current_app
from sqlalchemy.dialects import postgresql, sqlite

from backend.audit import operations as audit
from backend.common.masking import mask_id_number, mask_name, mask_personal_data
from backend.db import db
from backend.supervision.interfaces import Interface
from backend.supervision.models import BaseRecord

DELETE = 3


def _mask_phone(value: str) -> str:
    masked = mask_personal_data(value)
    return masked if masked != value else value[:3] + "*" * max(len(value) - 5, 0) + value[-2:]


def _dropped(_value: str) -> None:
    return None


# Field name → how it is kept, in every interface that has it (events too: orderMatch's
# DriverPhone, operatePay's DriverName).
PERSONAL = {
    "DriverPhone": _mask_phone, "PassengerPhone": _mask_phone, "EmergencyContactPhone": _mask_phone,
    "DriverName": mask_name, "PassengerName": mask_name, "EmergencyContact": mask_name,
    "LegalID": mask_id_number,
    "DriverAddress": _dropped, "DriverContactAddress": _dropped, "EmergencyContactAddress": _dropped,
}
# Keys made of personal data are kept as keyed hashes, so a resend still finds its row.
HASHED_KEYS = frozenset({"PassengerPhone"})


def keyed_hash(value: str) -> str:
    key = hashlib.sha256(b"xm-wyc supervision personal data v1\n"
                         + current_app.config["SECRET_KEY"].encode()).digest()
    return hmac.new(key, value.encode(), hashlib.sha256).hexdigest()[:40]


def protect(record: dict) -> dict:
    """``record`` with its personal data masked or left out (a new dict when anything changed)."""
    personal = PERSONAL.keys() & record.keys()
    if not personal:
        return record
    kept = dict(record)
    for name in personal:
        value = PERSONAL[name](kept[name])
        if value is None:
            del kept[name]
        else:
            kept[name] = value
    return kept


def natural_key(interface: Interface, record: dict) -> str:
    return "|".join(keyed_hash(str(record[name])) if name in HASHED_KEYS else str(record[name])
                    for name in interface.natural_key)


@dataclasses.dataclass
class Outcome:
    applied: list[int] = dataclasses.field(default_factory=list)
    # Records not applied because the stored one (or another in the batch) has a later UpdateTime.
    superseded: list[int] = dataclasses.field(default_factory=list)


def store(company_id: str, interface: Interface, records: list[tuple[int, dict]],
          received_at: dt.datetime) -> Outcome:
    """Upsert validated ``records`` (with their indices in the request) for one platform."""
    latest, outcome = _latest_per_key(interface, records)
    rows = {key: _row(company_id, interface, key, record, received_at)
            for key, (_index, record) in latest.items()}
    applied = _upsert(list(rows.values()))
    for key, (index, _record) in latest.items():
        (outcome.applied if key in applied else outcome.superseded).append(index)
    outcome.applied.sort()
    outcome.superseded.sort()
    audit.record(f"platform:{company_id}", "supervision.baseinfo.received", "supervision_interface",
                 interface.ipc_type, after={"company_id": company_id, "applied": len(outcome.applied),
                                            "superseded": len(outcome.superseded)})
    return outcome


def _latest_per_key(interface: Interface, records: list[tuple[int, dict]]):
    """Per natural key the record with the latest UpdateTime (the later one on a tie)."""
    latest: dict[str, tuple[int, dict]] = {}
    outcome = Outcome()
    for index, record in records:
        key = natural_key(interface, record)
        earlier = latest.get(key)
        if earlier is not None and earlier[1]["UpdateTime"] > record["UpdateTime"]:
            outcome.superseded.append(index)
            continue
        if earlier is not None:
            outcome.superseded.append(earlier[0])
        latest[key] = (index, record)
    return latest, outcome


def _row(company_id: str, interface: Interface, key: str, record: dict,
         received_at: dt.datetime) -> dict:
    return {"company_id": company_id, "interface": interface.ipc_type, "natural_key": key,
            "data": protect(record), "update_time": record["UpdateTime"],
            "deleted": record["Flag"] == DELETE, "received_at": received_at}


def _upsert(rows: list[dict]) -> set[str]:
    """Insert or update ``rows``; the natural keys actually written (not those whose stored
    UpdateTime is later)."""
    dialect = postgresql if db.session.get_bind().dialect.name == "postgresql" else sqlite
    table = BaseRecord.__table__
    insert = dialect.insert(table)
    statement = insert.on_conflict_do_update(
        index_elements=[table.c.company_id, table.c.interface, table.c.natural_key],
        set_={name: insert.excluded[name] for name in ("data", "update_time", "deleted", "received_at")},
        where=insert.excluded.update_time >= table.c.update_time,
    ).returning(table.c.natural_key)
    return set(db.session.scalars(statement, rows))


def current(company_id: str, interface: str, key: str) -> BaseRecord | None:
    """The stored record of a platform under a natural key (deleted ones included)."""
    return db.session.scalar(sa.select(BaseRecord).where(
        BaseRecord.company_id == company_id, BaseRecord.interface == interface,
        BaseRecord.natural_key == key))
