"""The mailing room's work: queueing, print batches, dispatch, delivery, returns, carrier files.

Every change goes through ``_move``, which enforces the state machine and audits. Operations
flush; the request (console) or the command (CLI) commits once.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import re
import zoneinfo
from collections import Counter
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from typing import BinaryIO

import sqlalchemy as sa
from sqlalchemy.orm import selectinload
from stdnum import numdb

from backend.audit.operations import record
from backend.certificates import operations as certificates
from backend.certificates.models import Certificate, Status
from backend.certificates.render import AddressSheetView, Page, render_batch
from backend.common.counters import next_value
from backend.common.text import is_plain
from backend.db import db, is_postgresql, utcnow
from backend.errors import ApiError
from backend.mailing.models import MailingBatch, MailingItem, MailingStatus

XIAMEN = zoneinfo.ZoneInfo("Asia/Shanghai")
QUEUED, PRINTED, DISPATCHED, DELIVERED, RETURNED, WITHDRAWN = MailingStatus

# For each state, the states an item may come from.
TRANSITIONS: dict[MailingStatus, frozenset[MailingStatus]] = {
    PRINTED: frozenset({QUEUED}),
    DISPATCHED: frozenset({PRINTED}),
    DELIVERED: frozenset({DISPATCHED}),
    RETURNED: frozenset({DISPATCHED}),
    QUEUED: frozenset({RETURNED}),  # re-queued, usually to a corrected address
    WITHDRAWN: frozenset({QUEUED, RETURNED}),  # only while held (``withdraw``)
}
STATUS_NAMES: dict[MailingStatus, tuple[str, str]] = {
    QUEUED: ("待打印", "queued"),
    PRINTED: ("已打印", "printed"),
    DISPATCHED: ("已寄出", "dispatched"),
    DELIVERED: ("已签收", "delivered"),
    RETURNED: ("已退回", "returned"),
    WITHDRAWN: ("已撤回", "withdrawn"),
}
#: Why a returned item came back (the carrier's usual reasons), as the requeue form offers them.
RETURN_REASONS: dict[str, tuple[str, str]] = {
    "address_unknown": ("地址不详", "address unknown"),
    "recipient_unknown": ("查无此人", "no such recipient"),
    "moved": ("收件人已搬迁", "recipient moved"),
    "refused": ("收件人拒收", "refused"),
    "unclaimed": ("逾期无人领取", "not collected in time"),
    "other": ("其他", "other"),
}
TRACKING_NUMBER = re.compile(r"[A-Za-z0-9-]{4,40}")


def queue_item(certificate: Certificate, application, *, actor: str) -> MailingItem:
    """Queue the certificate for the post."""
    item = MailingItem(certificate=certificate, status=MailingStatus.QUEUED,
                       address=application.mailing_address)
    application.mailing_items.append(item)
    record(actor, "mailing.queued", "mailing_item", item,
           after={"certificate": certificate, "application": application.number})
    return item


def _move(item: MailingItem, to: MailingStatus, *, actor: str, at: dt.datetime | None = None,
          **changes) -> None:
    """Change an item's state, refusing a step the state machine does not allow. No flush."""
    if item.status not in TRANSITIONS[to]:
        allowed = "、".join(STATUS_NAMES[s][0] for s in sorted(TRANSITIONS[to]))
        raise ApiError(
            409, f"邮件 {item.id} 当前为「{STATUS_NAMES[item.status][0]}」，只有「{allowed}」的邮件"
                 f"才能登记为「{STATUS_NAMES[to][0]}」。",
            f"Item {item.id} is {item.status.value}; only "
            f"{' or '.join(s.value for s in sorted(TRANSITIONS[to]))} items can become {to.value}.",
            item_id=item.id, status=item.status.value)
    noted = {name: value for name, value in changes.items() if not hasattr(MailingItem, name)}
    changes = {name: value for name, value in changes.items() if name not in noted}
    before = {"status": item.status, **{name: getattr(item, name) for name in changes}}
    item.status = to
    for name, value in changes.items():
        setattr(item, name, value)
    item.updated_at = at or utcnow()
    record(actor, f"mailing.{to.value}", "mailing_item", item.id, before=before,
           after={"status": to, **changes, **noted})


# -- finding things -----------------------------------------------------------------------------

def get_item(item_id: int) -> MailingItem:
    item = db.session.get(MailingItem, item_id)
    if item is None:
        raise ApiError(404, f"没有编号为 {item_id} 的邮件，请核对件号。", f"No mailing item {item_id}.")
    return item


def get_batch(batch_id: str) -> MailingBatch:
    # (a NUL from the address bar would reach PostgreSQL, which cannot compare it: a 500)
    batch = db.session.get(MailingBatch, batch_id) if is_plain(batch_id) else None
    if batch is None:
        raise ApiError(404, f"没有批次 {batch_id}，请核对批次号。", f"No batch {batch_id}.")
    return batch


def counts_by_status() -> dict[MailingStatus, int]:
    """Items by state; ``queued`` counts what the next print run would take: a held item (its
    certificate no longer in force) is counted by ``held_count``, not there."""
    rows = db.session.execute(sa.select(MailingItem.status, sa.func.count())
                              .group_by(MailingItem.status)).all()
    counts = {status: 0 for status in MailingStatus} | dict(rows)
    counts[QUEUED] -= held_count()
    return counts


def held_count() -> int:
    return len(queued_items()[1])


def recent_batches(limit: int = 20) -> list[MailingBatch]:
    return list(db.session.scalars(sa.select(MailingBatch)
                                   .order_by(MailingBatch.created_at.desc()).limit(limit)))


def _with_certificates(query: sa.Select) -> sa.Select:
    return query.options(
        selectinload(MailingItem.certificate).selectinload(Certificate.holder),
        selectinload(MailingItem.application)).order_by(MailingItem.id)


def queued_items() -> tuple[list[MailingItem], list[MailingItem]]:
    """Queued items ``(printable, held)``: an item whose certificate is no longer in force
    (cancelled, replaced before it was posted) is held back rather than printed."""
    items = db.session.scalars(_with_certificates(
        sa.select(MailingItem).where(MailingItem.status == QUEUED))).all()
    held = [item for item in items if is_held(item)]
    return [item for item in items if item not in held], held


def is_held(item: MailingItem) -> bool:
    """Waiting for the post (queued, or returned) with a certificate no longer in force."""
    return item.status in (QUEUED, RETURNED) and \
        item.certificate.effective_status(certificates.china_today()) != Status.VALID


def held_reason(item: MailingItem) -> tuple[str, str]:
    """Why a queued item is held, from its certificate's status (Chinese, English)."""
    status = item.certificate.effective_status(certificates.china_today())
    zh, en = certificates.STATUS_NAMES[status]
    detail = item.certificate.status_reason or ""
    return (f"证件{zh}，寄出前已不在有效状态{f'（{detail}）' if detail else ''}，不再打印。",
            f"The certificate was {en} before posting{f' ({detail})' if detail else ''}; it is "
            "not printed.")


def withdraw(item: MailingItem, *, actor: str) -> None:
    """Take a held item out of the post for good: its certificate is no longer in force (a
    newer version goes out by its own item). An item whose certificate is valid is refused."""
    if item.status in TRANSITIONS[WITHDRAWN] and not is_held(item):
        raise ApiError(409, f"邮件 {item.id} 的证件仍有效，应寄出，不能撤回。",
                       f"Item {item.id}'s certificate is in force: it is posted, not withdrawn.")
    reason, _ = held_reason(item)  # (another state: refused by the step below)
    _move(item, WITHDRAWN, actor=actor, withdrawn_because=reason)
    db.session.flush()


def batch_items(batch: MailingBatch) -> list[MailingItem]:
    """Exactly the items printed in the batch, whatever their state now."""
    return list(db.session.scalars(_with_certificates(
        sa.select(MailingItem).where(MailingItem.batch_id == batch.id))
        .options(selectinload(MailingItem.certificate).undefer(Certificate.photo))))


# -- printing -----------------------------------------------------------------------------------

def start_batch(*, actor: str) -> MailingBatch | None:
    """Put every printable queued item into a new batch, marked printed; ``None`` when there is
    nothing to print. Two print runs at once never take the same item."""
    query = _with_certificates(sa.select(MailingItem).where(MailingItem.status == QUEUED))
    if is_postgresql():
        query = query.with_for_update(skip_locked=True, of=MailingItem)
    today = certificates.china_today()
    items = [item for item in db.session.scalars(query)
             if item.certificate.effective_status(today) == Status.VALID]
    if not items:
        return None
    batch = MailingBatch(id=_batch_number(), created_by=actor, item_count=len(items),
                         print_count=0)
    db.session.add(batch)
    db.session.flush()
    for item in items:
        _move(item, PRINTED, actor=actor, batch_id=batch.id)
    record(actor, "mailing.batch_created", "mailing_batch", batch.id, after={"items": len(items)})
    db.session.flush()
    return batch


def _batch_number() -> str:
    today = dt.datetime.now(XIAMEN).date()
    return f"MB-{today:%Y%m%d}-{next_value(f'mailing.batch.{today:%Y%m%d}'):03d}"


def write_batch_pdf(batch: MailingBatch, out: BinaryIO, *, actor: str,
                    progress: Callable[[int], None] | None = None) -> int:
    """The batch as one PDF, an address sheet before each certificate; the page count.

    Changes no item, whatever state it is in now. Every print is counted on the batch and
    audited: a reprint is another copy of each certificate.
    """
    items = batch_items(batch)
    pages = render_batch(batch_pages(items), out, progress)
    action = "mailing.batch_reprinted" if batch.print_count else "mailing.batch_printed"
    batch.print_count += 1
    batch.last_printed_at = utcnow()
    record(actor, action, "mailing_batch", batch.id,
           after={"items": len(items), "pages": pages, "print": batch.print_count})
    db.session.flush()
    return pages


def batch_pages(items: Iterable[MailingItem]) -> Iterator[Page]:
    signer = certificates.current_signer_for_app()
    for item in items:
        yield address_sheet(item)
        yield certificates.certificate_view(item.certificate, signer=signer)


def address_sheet(item: MailingItem) -> AddressSheetView:
    address = item.address
    return AddressSheetView(
        recipient=address["recipient"], phone=address["phone"],
        region_text=_region_before(address), detail=address["detail"],
        application_number=item.application.number, item_id=item.id, batch_id=item.batch_id)


def full_address(address: dict) -> str:
    """``福建省厦门市思明区`` and the street address, the district written once."""
    return _region_before(address) + address["detail"]


def _region_before(address: dict) -> str:
    """The region's name without the part the street address starts with itself (people
    often write ``思明区湖滨南路 1 号`` though the region code says 思明区 already)."""
    region, detail = region_text(address["region_code"]), address["detail"]
    for start in range(len(region) - 1):
        if detail.startswith(region[start:]):
            return region[:start]
    return region


def region_text(code: str) -> str:
    """``350203`` → ``福建省厦门市思明区``, from the GB/T 2260 codes python-stdnum carries."""
    names = {key: value for _, found in numdb.get("cn/loc").info(code) for key, value in found.items()}
    # A county renamed over the years is listed as "[1983-]思明区"; the last name is current.
    county = re.sub(r"\[[^\]]*\]", "", names.get("county", "").split(",")[-1])
    city = "厦门市" if code.startswith("3502") else ""
    return f"{names.get('province', '')}{city}{county}" or code


# -- after printing -----------------------------------------------------------------------------

def dispatch(item: MailingItem, tracking_number: str, *, actor: str,
             at: dt.datetime | None = None) -> None:
    tracking_number = tracking_number.strip()
    if not TRACKING_NUMBER.fullmatch(tracking_number):
        raise ApiError(422, "运单号应为 4–40 位字母、数字或短横线。",
                       "A tracking number is 4 to 40 letters, digits or hyphens.")
    _move(item, DISPATCHED, actor=actor, at=at, tracking_number=tracking_number)
    db.session.flush()


def deliver(item: MailingItem, *, actor: str, at: dt.datetime | None = None) -> None:
    _move(item, DELIVERED, actor=actor, at=at)
    db.session.flush()


def mark_returned(item: MailingItem, *, actor: str, at: dt.datetime | None = None) -> None:
    _move(item, RETURNED, actor=actor, at=at)
    db.session.flush()


def requeue(item: MailingItem, *, actor: str, address: dict | None = None,
            return_reason: str | None = None, note: str | None = None) -> None:
    """Queue a returned item again, to ``address`` when given (a corrected one), recording
    why it came back (``RETURN_REASONS``) in the audit log. The next print run takes it into a
    new batch; tracking number and old batch are cleared."""
    if return_reason is not None and return_reason not in RETURN_REASONS:
        raise ApiError(422, "请选择退回原因。", "Choose why the item came back.")
    noted = {"return_reason": return_reason} if return_reason else {}
    if note:
        noted["note"] = note
    _move(item, QUEUED, actor=actor, address=address or item.address, batch_id=None,
          tracking_number=None, **noted)
    db.session.flush()


def item_history(item: MailingItem) -> list:
    """The item's audited steps, oldest first (who, when, and why it was returned or withdrawn)."""
    from backend.audit.models import AuditEntry

    return list(db.session.scalars(sa.select(AuditEntry).where(
        AuditEntry.object_type == "mailing_item", AuditEntry.object_id == str(item.id))
        .order_by(AuditEntry.id)))


# -- the carrier's status file ------------------------------------------------------------------

STATUS_FILE_COLUMNS = ("item_id", "tracking_number", "status", "at")
RECORDERS = {DISPATCHED, DELIVERED, RETURNED}


class StatusFileError(ValueError):
    """A carrier status file refused as a whole; ``line`` is the file's line number."""

    def __init__(self, line: int, message: str, message_en: str):
        super().__init__(f"line {line}: {message_en}")
        self.line, self.message, self.message_en = line, message, message_en


@dataclass(frozen=True)
class StatusRow:
    line: int
    item_id: int
    tracking_number: str
    status: MailingStatus
    at: dt.datetime | None


def read_status_file(text: str) -> list[StatusRow]:
    """Parse a carrier file: CSV with a header naming ``item_id,tracking_number,status,at``.

    ``status`` is dispatched, delivered or returned; ``at`` is optional (ISO 8601, Xiamen time
    unless it names an offset). The first bad line refuses the whole file.
    """
    reader = csv.DictReader(io.StringIO(text.lstrip("\ufeff")))
    missing = set(STATUS_FILE_COLUMNS[:3]) - set(reader.fieldnames or [])
    if missing:
        raise StatusFileError(1, f"表头缺少列：{'、'.join(sorted(missing))}。",
                              f"The header lacks {', '.join(sorted(missing))}.")
    return [_status_row(reader.line_num, row) for row in reader if any((row or {}).values())]


def _status_row(line: int, row: dict) -> StatusRow:
    item_id = (row.get("item_id") or "").strip()
    status = (row.get("status") or "").strip().lower()
    if not item_id.isdigit():
        raise StatusFileError(line, f"件号「{item_id}」不是数字。", f"item_id {item_id!r} is not a number.")
    if status not in {s.value for s in RECORDERS}:
        raise StatusFileError(line, f"状态「{status}」应为 dispatched、delivered 或 returned。",
                              f"status {status!r} must be dispatched, delivered or returned.")
    return StatusRow(line, int(item_id), (row.get("tracking_number") or "").strip(),
                     MailingStatus(status), _moment(line, (row.get("at") or "").strip()))


def _moment(line: int, text: str) -> dt.datetime | None:
    if not text:
        return None
    try:
        moment = dt.datetime.fromisoformat(text)
    except ValueError:
        raise StatusFileError(line, f"时间「{text}」格式不对，应为 2026-11-30T14:05:00。",
                              f"at {text!r} is not an ISO 8601 time.") from None
    return moment if moment.tzinfo else moment.replace(tzinfo=XIAMEN)


def import_status(rows: list[StatusRow], *, actor: str) -> Counter:
    """Record every row, or none: all rows are checked against the items first.

    A row repeating an item's current state (a carrier resending its file) changes nothing and
    is counted as ``unchanged``.
    """
    items = {item.id: item for item in db.session.scalars(
        sa.select(MailingItem).where(MailingItem.id.in_({r.item_id for r in rows})))}
    plan = _checked_plan(rows, items)
    counts = Counter()
    for row in plan:
        if row is None:
            counts["unchanged"] += 1
            continue
        item = items[row.item_id]
        changes = {"tracking_number": row.tracking_number} if row.status == DISPATCHED else {}
        _move(item, row.status, actor=actor, at=row.at, **changes)
        counts[row.status.value] += 1
    db.session.flush()
    return counts


def _checked_plan(rows: list[StatusRow], items: dict[int, MailingItem]) -> list[StatusRow | None]:
    """Walk the rows over the items' states as they would become; raise at the first bad row."""
    state = {i: (item.status, item.tracking_number) for i, item in items.items()}
    plan: list[StatusRow | None] = []
    for row in rows:
        if row.item_id not in state:
            raise StatusFileError(row.line, f"没有件号为 {row.item_id} 的邮件。",
                                  f"There is no item {row.item_id}.")
        status, tracking = state[row.item_id]
        if row.status == DISPATCHED and not TRACKING_NUMBER.fullmatch(row.tracking_number):
            raise StatusFileError(row.line, "寄出记录须有 4–40 位字母、数字或短横线的运单号。",
                                  "A dispatched row needs a tracking number.")
        if row.tracking_number and tracking and row.tracking_number != tracking:
            raise StatusFileError(row.line, f"运单号 {row.tracking_number} 与邮件 {row.item_id} "
                                            f"登记的 {tracking} 不符。",
                                  f"Tracking number {row.tracking_number} is not item "
                                  f"{row.item_id}'s ({tracking}).")
        if status == row.status:
            plan.append(None)
            continue
        if status not in TRANSITIONS[row.status]:
            raise StatusFileError(row.line, f"邮件 {row.item_id} 当前为「{STATUS_NAMES[status][0]}」，"
                                            f"不能登记为「{STATUS_NAMES[row.status][0]}」。",
                                  f"Item {row.item_id} is {status.value}; it cannot become "
                                  f"{row.status.value}.")
        state[row.item_id] = (row.status, row.tracking_number or tracking)
        plan.append(row)
    return plan
