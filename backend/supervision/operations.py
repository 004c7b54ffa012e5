"""Receiving one batch of a platform's records: validate each against Appendix A, refuse what
does not count, store the rest where its kind belongs.

* base information (``baseInfo*``) → ``baseinfo.store`` (the relational database);
* events (``order*``, ``operate*``, ``position*``, ``rated*``) → ``events.accept`` (the columnar
  store, or JetStream), which returns only once the records are durable; ``positionVehicle``
  also moves each vehicle's latest position forward (``positions``);
* ``ratedPassengerComplaint`` also opens a 12328 ticket routed back to the platform (its
  ``Result``, when sent, answers it: ``backend.hotline.operations.from_feed``);
* refused records → one ``RejectedRecord`` each (once per content: a resend is not counted
  twice), for the validity figures.

Events count from 00:00 (Beijing) of the day after the platform's licence took effect
(运行管理办法); an event before that is refused with reason ``before_licence``. Base information is
state, not a count, and is taken whatever its ``UpdateTime``.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import hashlib
import json

from sqlalchemy.dialects import postgresql, sqlite

from backend.db import db
from backend.errors import ApiError
from backend.hotline import operations as hotline
from backend.platforms.models import Platform
from backend.supervision import baseinfo, events, positions
from backend.supervision.interfaces import (
    BASE,
    BEIJING,
    Interface,
    Rejection,
    f14_to_unix,
    validate,
)
from backend.supervision.models import RejectedRecord


@dataclasses.dataclass
class Received:
    """What became of a batch: counts, and each refused record by its index."""

    interface: Interface
    received: int
    accepted: list[int] = dataclasses.field(default_factory=list)
    rejected: list[Rejection] = dataclasses.field(default_factory=list)
    superseded: list[int] = dataclasses.field(default_factory=list)

    def to_json(self) -> dict:
        answer = {"ipc_type": self.interface.ipc_type, "received": self.received,
                  "accepted": len(self.accepted),
                  "rejected": [rejection.to_json() for rejection in self.rejected]}
        if self.interface.kind == BASE:
            answer["superseded"] = self.superseded
        return answer


@dataclasses.dataclass
class Checked:
    """A batch once every record is validated: nothing written yet."""

    platform: Platform
    interface: Interface
    records: list
    valid: list[tuple[int, dict]]
    outcome: Received


def check(platform: Platform, interface: Interface, records: list) -> Checked:
    """Validate each of ``platform``'s ``interface`` records (reads nothing, writes nothing: on
    SQLite the batch is checked before its request takes the writer lock)."""
    outcome = Received(interface, len(records))
    valid: list[tuple[int, dict]] = []
    starts = counting_starts(platform)
    for index, raw in enumerate(records):
        record, rejection = validate(interface, raw, index)
        if rejection is None and interface.kind != BASE:
            rejection = _before_licence(interface, record, index, starts)
        if rejection is None:
            valid.append((index, record))
        else:
            outcome.rejected.append(rejection)
    return Checked(platform, interface, records, valid, outcome)


def store(checked: Checked, received_at: dt.datetime) -> Received:
    """Store a checked batch: the refusals counted, the valid records where their kind belongs."""
    platform, interface, outcome = checked.platform, checked.interface, checked.outcome
    _count_rejections(platform.company_id, interface, checked.records, outcome.rejected,
                      received_at)
    if checked.valid:
        _store(platform.code, platform.company_id, interface, checked.valid, received_at, outcome)
    return outcome



def _store(platform_code: str, company_id: str, interface: Interface,
           valid: list[tuple[int, dict]], received_at: dt.datetime, outcome: Received) -> None:
    if interface.kind == BASE:
        stored = baseinfo.store(company_id, interface, valid, received_at)
        outcome.accepted, outcome.superseded = stored.applied, stored.superseded
        return
    records = [baseinfo.protect(record) for _index, record in valid]
    try:
        events.accept(company_id, interface.ipc_type, records, received_at)
    except events.Unavailable:
        raise ApiError(503, "监管平台暂时无法保存数据，本批数据未接收，请稍后原样重发。",
                       "The supervision store cannot take data right now; nothing of this batch "
                       "was kept. Send it again later.", ipc_code=503,
                       headers={"Retry-After": "30"}) from None
    if interface.ipc_type == "positionVehicle":
        positions.record_latest(company_id, records, received_at)
    elif interface.ipc_type == "ratedPassengerComplaint":  # (12328: routed back to the platform)
        hotline.from_feed(platform_code, company_id, records)
    outcome.accepted = [index for index, _record in valid]


# -- when a platform's data starts to count -------------------------------------------------

@dataclasses.dataclass(frozen=True)
class CountingStart:
    """00:00 Beijing of the day after the licence, in each form an event time is sent in."""

    f8: int
    f14: int
    unix: int


def counting_starts(platform: Platform) -> CountingStart | None:
    if platform.licensed_from is None:  # the register does not say: nothing to hold against
        return None
    day = platform.licensed_from + dt.timedelta(days=1)
    f8 = int(day.strftime("%Y%m%d"))
    return CountingStart(f8, f8 * 1_000_000, f14_to_unix(f8 * 1_000_000))


def _before_licence(interface: Interface, record: dict, index: int,
                    starts: CountingStart | None) -> Rejection | None:
    if starts is None:
        return None
    field = interface.field(interface.time_field)
    value = record[field.name]
    start = {"f8": starts.f8, "f14": starts.f14, "ptime": starts.unix}[field.check]
    if value >= start:
        return None
    return Rejection(index, field.name, "before_licence",
                     "早于本平台数据计入时间（取得经营许可次日零时），不予计入",
                     "Before the platform's data counts (00:00 the day after its licence)")


# -- refused records, once each --------------------------------------------------------------

def _digest(record) -> str:
    # ASCII escapes: a lone surrogate a platform sent still has a digest.
    canonical = json.dumps(record, sort_keys=True, default=str)
    return hashlib.sha256(canonical.encode()).hexdigest()


def _count_rejections(company_id: str, interface: Interface, records: list,
                      rejections: list[Rejection], received_at: dt.datetime) -> None:
    if not rejections:
        return
    day = received_at.astimezone(BEIJING).date()
    rows = {}
    for rejection in rejections:
        digest = _digest(records[rejection.index])
        rows[digest] = {"company_id": company_id, "interface": interface.ipc_type,
                        "digest": digest, "field": rejection.field, "reason": rejection.reason,
                        "day": day, "received_at": received_at}
    dialect = postgresql if db.session.get_bind().dialect.name == "postgresql" else sqlite
    statement = dialect.insert(RejectedRecord.__table__).on_conflict_do_nothing(
        index_elements=["company_id", "interface", "digest"])
    db.session.execute(statement, list(rows.values()))
