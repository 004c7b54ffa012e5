"""Recording dishonest behaviours and keeping the lists (regulatory.md §3.4).

A record of a ``severe`` behaviour puts its subject on the 重点关注名单 (watch list); one not
corrected by its review day (``CREDIT_WATCH_MONTHS`` after it started, 6 by default) moves to
the 黑名单 when ``flask credit sweep`` runs; an ``especially_severe`` record goes straight to the
黑名单, for ``CREDIT_BLACKLIST_MONTHS`` (36) unless a review keeps it longer. The ways out: a
correction accepted (整改到位, ends the entry), or an appeal upheld (the record is overturned and
every entry it caused ends). Every step is audited; a person is told in the app (and by SMS);
a platform reads its records through its feed (``backend.credit.feed``).

Operations flush; the request or the command commits.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import uuid

import sqlalchemy as sa
from flask import current_app

from backend.audit.operations import record as audit
from backend.common.counters import next_value
from backend.common.masking import mask_id_number
from backend.common.text import scrubbed
from backend.credit.catalogue import (
    LIST_FOR,
    LIST_LABELS,
    Behaviour,
    ListKind,
    Severity,
    SubjectKind,
    behaviour,
)
from backend.credit.models import (
    CreditRecord,
    EndReason,
    Evidence,
    ListEntry,
    RecordState,
    Role,
    Source,
)
from backend.db import db, utcnow
from backend.errors import ApiError
from backend.identity.credit_codes import InvalidCreditCode, validate_uscc
from backend.identity.id_numbers import InvalidIdNumber, validate_id_number
from backend.identity.models import Person
from backend.licensing.operations import XIAMEN, today
from backend.materials import operations as materials
from backend.notify import operations as notify
from backend.vehicles.plates import InvalidPlate, normalise_plate

PEOPLE = frozenset({SubjectKind.DRIVER, SubjectKind.MANAGER})


def add_months(day: dt.date, months: int) -> dt.date:
    """The same day ``months`` later (the month's last day when it has no such day)."""
    year, month = divmod(day.month - 1 + months, 12)
    year, month = day.year + year, month + 1
    for last in (31, 30, 29, 28):
        try:
            return day.replace(year=year, month=month, day=min(day.day, last))
        except ValueError:
            continue
    raise AssertionError("unreachable")


def _invalid(field: str, message: str, message_en: str) -> ApiError:
    return ApiError(422, message, message_en, errors={"json": {field: [f"{message} {message_en}"]}})


def normalised_key(kind: SubjectKind, key: str) -> str:
    """A subject's key as stored: a checked 统一社会信用代码, ID number or plate; 422 otherwise."""
    try:
        if kind == SubjectKind.PLATFORM:
            return validate_uscc((key or "").strip())
        if kind in PEOPLE:
            return validate_id_number((key or "").strip())
        return normalise_plate(key or "")
    except (InvalidCreditCode, InvalidIdNumber, InvalidPlate) as error:
        raise _invalid("subject_key", error.message, error.message_en) from None


def _number(day: dt.date) -> str:
    return f"XY-{day:%Y%m%d}-{next_value(f'credit.{day:%Y%m%d}'):04d}"


def _masked_key(kind: SubjectKind, key: str) -> str:
    return mask_id_number(key) if kind in PEOPLE else key


def _behaviour_for(code: str, kind: SubjectKind | None = None) -> Behaviour:
    found = behaviour(code)
    if found is None:
        raise _invalid("behaviour", "失信行为目录中没有这一项。", f"No behaviour {code} in the catalogue.")
    if kind is not None and found.subject != kind:
        raise _invalid("behaviour", "该失信行为不适用于这类主体。",
                       f"Behaviour {code} is about a {found.subject}, not a {kind}.")
    return found


def record(code: str, *, subject_key: str, subject_name: str, facts: str, occurred_on: dt.date,
           actor: str, decision_number: str | None = None, severity: Severity | None = None,
           source: Source = Source.MANUAL, source_ref: str | None = None,
           company_uscc: str | None = None, role: Role | None = None) -> CreditRecord:
    """Record behaviour ``code`` against a subject (its kind is the behaviour's). A clerk's or
    officer's record needs the decision document's number; ``severity`` (情节) defaults to the
    catalogue's and decides the list the subject goes on."""
    found = _behaviour_for(code)
    kind = found.subject
    key = normalised_key(kind, subject_key)
    if source == Source.MANUAL and not (decision_number or "").strip():
        raise _invalid("decision_number", "请填写处理决定书文号。", "The decision document's number is required.")
    if not facts.strip():
        raise _invalid("facts", "请写明违法失信事实。", "State the facts.")
    if occurred_on > today():
        raise _invalid("occurred_on", "发生日期不能晚于今天。", "The day it happened cannot be in the future.")
    if kind == SubjectKind.MANAGER:
        if role is None or not company_uscc:
            raise _invalid("company_uscc", "负责人须写明所在企业的统一社会信用代码及其职务。",
                           "A manager's company (credit code) and position are required.")
        company_uscc = normalised_key(SubjectKind.PLATFORM, company_uscc)
    elif kind == SubjectKind.PLATFORM:
        company_uscc, role = key, None
    else:
        role = None
    person = (db.session.scalar(sa.select(Person).where(Person.id_number == key))
              if kind in PEOPLE else None)
    entry = CreditRecord(
        number=_number(today()), behaviour_code=code, subject_kind=kind, subject_key=key,
        subject_name=subject_name.strip()[:200] or key, company_uscc=company_uscc, role=role,
        person_id=person.id if person else None, severity=severity or found.severity,
        facts=facts.strip(), decision_number=(decision_number or "").strip() or None,
        occurred_on=occurred_on, source=source, source_ref=source_ref, recorded_by=actor,
        recorded_at=utcnow())
    db.session.add(entry)
    audit(actor, "credit.recorded", "credit_record", entry, after={
        "behaviour": code, "subject": f"{kind}:{_masked_key(kind, key)}",
        "severity": entry.severity, "source": source, "decision_number": entry.decision_number})
    _tell(entry, "信用记录 Credit record",
          f"您被记录失信行为「{found.name}」（{entry.number}），事实：{entry.facts}",
          f"【厦门网约车】您有一条失信记录{entry.number}：{found.name}。可在 i厦门 查看并申请复核。")
    listed = LIST_FOR[entry.severity]
    if listed is not None:
        _open(entry, listed, actor)
    db.session.flush()
    return entry


def record_once(source: Source, source_ref: str, code: str, **fields) -> CreditRecord | None:
    """An automatic record, once per source and reference (a second run finds it). Returns
    the new record, or None when it was recorded before."""
    existing = db.session.scalar(sa.select(CreditRecord.id).where(
        CreditRecord.source == source, CreditRecord.source_ref == source_ref))
    if existing is not None:
        return None
    return record(code, source=source, source_ref=source_ref, **fields)


# -- evidence -----------------------------------------------------------------------------------

def add_evidence(entry: CreditRecord, filename: str, content: bytes, *, actor: str) -> Evidence:
    """A file proving the record: PDF, JPEG or PNG by its content, at most
    ``MATERIAL_MAX_BYTES``, kept like applicants' materials."""
    if len(content) > materials.max_bytes():
        raise materials.too_large()
    if not content:
        raise _invalid("file", "上传的文件是空的。", "The file is empty.")
    content_type = materials.content_type_of(content)
    evidence = Evidence(record=entry, filename=scrubbed(filename or "evidence")[-200:],
                        content_type=content_type, size=len(content),
                        sha256=hashlib.sha256(content).hexdigest(), uploaded_by=actor,
                        stored_name=f"credit-{uuid.uuid4().hex}.{materials.ACCEPTED[content_type]}")
    db.session.add(evidence)
    db.session.flush()
    materials.write_file(evidence.stored_name, content)
    audit(actor, "credit.evidence_added", "credit_record", entry,
          after={"content_type": content_type, "size": len(content), "sha256": evidence.sha256})
    return evidence


def evidence_content(evidence: Evidence) -> bytes:
    return materials.content_of(evidence)  # (same directory, same hash check)


# -- the lists ----------------------------------------------------------------------------------

def _term_months(kind: ListKind) -> int:
    config = current_app.config
    return config["CREDIT_WATCH_MONTHS"] if kind == ListKind.WATCH else config["CREDIT_BLACKLIST_MONTHS"]


def _open(entry: CreditRecord, kind: ListKind, actor: str, *,
          previous: ListEntry | None = None) -> ListEntry:
    now = utcnow()
    listed = ListEntry(record=entry, list_kind=kind, subject_kind=entry.subject_kind,
                       subject_key=entry.subject_key, started_at=now,
                       review_on=add_months(now.astimezone(XIAMEN).date(), _term_months(kind)),
                       previous_id=previous.id if previous else None)
    db.session.add(listed)
    audit(actor, f"credit.listed.{kind}", "credit_record", entry,
          after={"list": kind, "review_on": listed.review_on})
    zh = LIST_LABELS[kind].split()[0]
    if kind == ListKind.WATCH:
        body = (f"因失信记录 {entry.number}，您已被列入{zh}。请于 {listed.review_on} 前整改到位，"
                "逾期未整改将列入黑名单。")
    else:
        body = (f"因失信记录 {entry.number}，您已被列入{zh}，至 {listed.review_on} 复核；"
                "期间不能申请网约车驾驶员证、运输证等许可。")
    _tell(entry, f"列入{zh} Listed", body, f"【厦门网约车】{body}")
    return listed


def _end(listed: ListEntry, reason: EndReason, note: str | None, actor: str) -> None:
    listed.ended_at, listed.end_reason, listed.end_note = utcnow(), reason, note
    audit(actor, f"credit.unlisted.{reason}", "credit_record", listed.record,
          after={"list": listed.list_kind, "reason": reason, "note": note})


def _open_entries(entry: CreditRecord) -> list[ListEntry]:
    return [e for e in entry.entries if e.ended_at is None]


def sweep(*, actor: str = "system:credit", on: dt.date | None = None) -> dict[str, int]:
    """Run by a timer (``flask credit sweep``): watch entries past their review day move to the
    blacklist; blacklist entries past theirs expire."""
    on, counts = on or today(), {"blacklisted": 0, "expired": 0}
    due = db.session.scalars(sa.select(ListEntry).where(
        ListEntry.ended_at.is_(None), ListEntry.review_on <= on).order_by(ListEntry.id))
    for listed in list(due):
        if listed.list_kind == ListKind.WATCH:
            _end(listed, EndReason.MOVED_TO_BLACKLIST, "逾期未整改 not corrected in time", actor)
            _open(listed.record, ListKind.BLACK, actor, previous=listed)
            counts["blacklisted"] += 1
        else:
            _end(listed, EndReason.EXPIRED, "期满 term ended", actor)
            _tell(listed.record, "移出黑名单 Off the blacklist",
                  f"失信记录 {listed.record.number} 的黑名单期限已满，您已移出黑名单。", None)
            counts["expired"] += 1
    db.session.flush()
    return counts


def review(listed: ListEntry, note: str, *, actor: str, next_review_on: dt.date | None = None) -> ListEntry:
    """复核: staff look at an entry again and write what they found; a later review day keeps
    it (a blacklist entry whose subject has not put things right)."""
    _require_open(listed)
    if not note.strip():
        raise _invalid("note", "请写明复核意见。", "Write what the review found.")
    before = listed.review_on
    if next_review_on is not None:
        if next_review_on <= today():
            raise _invalid("next_review_on", "下次复核日期须晚于今天。", "The next review must be after today.")
        listed.review_on = next_review_on
    listed.reviewed_at, listed.review_note = utcnow(), note.strip()[:500]
    audit(actor, "credit.reviewed", "credit_record", listed.record,
          before={"review_on": before}, after={"review_on": listed.review_on, "note": listed.review_note})
    return listed


def accept_correction(listed: ListEntry, note: str, *, actor: str) -> ListEntry:
    """整改到位: the subject's correction is accepted; the entry ends (the record stays and
    still counts in that year's grade)."""
    _require_open(listed)
    if not note.strip():
        raise _invalid("note", "请写明整改情况。", "Describe the correction accepted.")
    _end(listed, EndReason.CORRECTED, note.strip()[:500], actor)
    zh = LIST_LABELS[listed.list_kind].split()[0]
    _tell(listed.record, "整改通过 Correction accepted",
          f"您就失信记录 {listed.record.number} 的整改已通过，已移出{zh}。",
          f"【厦门网约车】您的整改已通过，已移出{zh}（{listed.record.number}）。")
    return listed


def uphold_appeal(entry: CreditRecord, reason: str, *, actor: str) -> CreditRecord:
    """The subject's appeal (申诉, or a reconsideration or court) is upheld: the record is
    overturned, every entry it caused ends, and it no longer counts anywhere."""
    if entry.state == RecordState.OVERTURNED:
        raise ApiError(409, "该记录已撤销。", "This record was overturned already.")
    if not reason.strip():
        raise _invalid("reason", "请写明申诉成立的理由。", "State why the appeal was upheld.")
    entry.state, entry.overturned_at, entry.overturn_reason = (
        RecordState.OVERTURNED, utcnow(), reason.strip()[:500])
    for listed in _open_entries(entry):
        _end(listed, EndReason.APPEAL_UPHELD, entry.overturn_reason, actor)
    audit(actor, "credit.overturned", "credit_record", entry, after={"reason": entry.overturn_reason})
    _tell(entry, "申诉成立 Appeal upheld", f"您对失信记录 {entry.number} 的申诉成立，该记录已撤销。",
          f"【厦门网约车】您的申诉成立，失信记录{entry.number}已撤销。")
    return entry


def _require_open(listed: ListEntry) -> None:
    if listed.ended_at is not None:
        raise ApiError(409, "该名单记录已结束。", "This list entry has ended.")


def _tell(entry: CreditRecord, title: str, body: str, sms: str | None) -> None:
    """A person (driver, manager) is told in the app; with a phone on file, by SMS too."""
    if entry.subject_kind not in PEOPLE:
        return
    person = db.session.get(Person, entry.person_id) if entry.person_id else None
    if person is not None:
        notify.tell(person, kind="credit", title=title, body=body, reference=entry.number, sms=sms)


# -- reading ------------------------------------------------------------------------------------

def by_number(number: str) -> CreditRecord | None:
    return db.session.scalar(sa.select(CreditRecord).where(CreditRecord.number == number))


def _in_force(at: dt.datetime):
    return sa.and_(ListEntry.started_at <= at,
                   sa.or_(ListEntry.ended_at.is_(None), ListEntry.ended_at > at))


def entries_in_force(kinds, key: str, at: dt.datetime | None = None) -> list[ListEntry]:
    """The list entries of subjects of ``kinds`` keyed ``key`` in force at ``at`` (now),
    blacklist first."""
    at = at or utcnow()
    rows = db.session.scalars(sa.select(ListEntry).where(
        ListEntry.subject_kind.in_(list(kinds)), ListEntry.subject_key == key, _in_force(at))
        .order_by(ListEntry.id))
    return sorted(rows, key=lambda e: e.list_kind != ListKind.BLACK)


def records_of(kinds, key: str) -> list[CreditRecord]:
    return list(db.session.scalars(sa.select(CreditRecord).where(
        CreditRecord.subject_kind.in_(list(kinds)), CreditRecord.subject_key == key)
        .order_by(CreditRecord.id.desc())))


def company_records(uscc: str) -> list[CreditRecord]:
    """A company's records and its managers', newest first (what its feed shows)."""
    return list(db.session.scalars(sa.select(CreditRecord).where(
        CreditRecord.company_uscc == uscc).order_by(CreditRecord.id.desc())))
