"""Notices to platforms: written when a certificate's status changes, read by the delivery
worker (``backend.notices.delivery``), the feed (``backend.notices.feed``) and the console.

``certificate_changed`` is the one entry: ``certificates.operations.set_status`` calls it for
every change of status, and it decides whether the change is news for platforms (a driver or
transport certificate suspended, reinstated, revoked, cancelled or expired; not a version
replaced by its renewal, which stays in force) and which platforms serve the holder:

* a driver: every platform whose base information (``baseInfoDriver``, not deleted) has the
  driver's ``LicenseId``, and the service company printed on the certificate;
* a vehicle: the platform on its transport certificate, and every platform whose base
  information (``baseInfoVehicle``) has the plate.

The notices are added to the chained outbox (``backend.audit.chain``): written, numbered in
commit order, with the transaction that changed the status, or not at all.
"""

from __future__ import annotations

import datetime as dt
from urllib.parse import urlsplit

import sqlalchemy as sa
from uuid6 import uuid7

from backend.audit.chain import Entry, append, canonical_hash, chained
from backend.audit.operations import record
from backend.certificates.models import Certificate, Kind, Status
from backend.db import db, utcnow
from backend.errors import ApiError
from backend.notices.models import PlatformNotice
from backend.platforms.models import Platform
from backend.supervision.models import BaseRecord

COUNTER = "platform_notices"
VERSION = 1
# The status entered → the notice's event (a valid again after a suspension is reinstated).
EVENTS = {Status.SUSPENDED: "suspended", Status.REVOKED: "revoked",
          Status.CANCELLED: "cancelled", Status.EXPIRED: "expired"}
EVENT_NAMES = {"suspended": ("暂停使用", "suspended"), "reinstated": ("恢复有效", "reinstated"),
               "revoked": ("吊销", "revoked"), "cancelled": ("注销", "cancelled"),
               "expired": ("到期失效", "expired")}
# What a platform must do on each (in every notice, so a platform engineer need not look it up).
CONSEQUENCES = {
    "suspended": ("该证件已暂停使用，平台应立即停止向其派单，直至收到恢复或吊销通知。",
                  "Suspended: stop dispatching to it at once, until a reinstatement or revocation."),
    "reinstated": ("暂停已解除，证件恢复有效，可恢复派单。",
                   "The suspension is lifted; the certificate is in force again."),
    "revoked": ("该证件已被吊销，不得再向其派单。", "Revoked: never dispatch to it again."),
    "cancelled": ("该证件已注销，不得再向其派单。", "Cancelled: no longer dispatch to it."),
    "expired": ("该证件已过有效期，不得再向其派单。", "Expired: no longer dispatch to it."),
}
KINDS = {Kind.DRIVER: "driver", Kind.TRANSPORT: "transport"}
BASE_INTERFACE = {Kind.DRIVER: "baseInfoDriver", Kind.TRANSPORT: "baseInfoVehicle"}


def _hash(row) -> str:
    return canonical_hash({
        "id": row.id, "notice_id": row.notice_id, "platform_code": row.platform_code,
        "certificate_id": row.certificate_id, "subject": row.subject, "event": row.event,
        "payload": row.payload, "created_at": row.created_at.isoformat(),
        "prev_hash": row.prev_hash})


def _resolve(row) -> None:
    """The certificate's id, known by the time the notice is written (at the commit, after the
    last flush), even for one issued in the same transaction."""
    row.certificate_id = row.certificate.id


chained(PlatformNotice, COUNTER, _hash, resolve=_resolve)


def event_of(before: Status, status: Status) -> str | None:
    if status == Status.VALID:
        return "reinstated" if before == Status.SUSPENDED else None
    return EVENTS.get(status)


def certificate_changed(certificate: Certificate, before: Status, *, at: dt.datetime,
                        reason: str | None) -> int:
    """Tell the platforms serving the holder that ``certificate`` went from ``before`` to its
    status now; how many notices were added (0 when it is no news for platforms)."""
    event = event_of(before, certificate.status)
    if certificate.kind not in KINDS or event is None:
        return 0
    with db.session.no_autoflush:  # (mid-change: nothing of it needs writing to read these)
        platforms = serving(certificate)
    for code in platforms:
        _add(certificate, code, event, at, reason)
    return len(platforms)


def serving(certificate: Certificate) -> list[str]:
    """The codes of the platforms the driver or vehicle of ``certificate`` serves, sorted."""
    key = certificate.number if certificate.kind == Kind.DRIVER else certificate.plate
    codes = set(db.session.scalars(
        sa.select(Platform.code).join(BaseRecord, BaseRecord.company_id == Platform.company_id)
        .where(BaseRecord.interface == BASE_INTERFACE[certificate.kind],
               BaseRecord.natural_key == key, BaseRecord.deleted.is_(False))))
    if certificate.platform_code and db.session.get(Platform, certificate.platform_code):
        codes.add(certificate.platform_code)
    return sorted(codes)


def payload(certificate: Certificate, event: str, at: dt.datetime, reason: str | None,
            notice_id: str) -> dict:
    """The notice as a platform receives it (docs/platform-notices.md)."""
    driver = certificate.kind == Kind.DRIVER
    return {
        "version": VERSION, "notice_id": notice_id, "event": event,
        "event_name": EVENT_NAMES[event][0], "event_name_en": EVENT_NAMES[event][1],
        "kind": KINDS[certificate.kind], "certificate_number": certificate.number,
        "certificate_version": certificate.version,
        # (the national interfaces' names: the keys a platform already files them under)
        "LicenseId": certificate.number if driver else None,
        "VehicleNo": None if driver else certificate.plate,
        "status": certificate.status.value, "valid_from": certificate.valid_from.isoformat(),
        "valid_until": certificate.valid_until.isoformat(),
        "occurred_at": at.isoformat(timespec="seconds"), "reason": reason,
        "consequence": CONSEQUENCES[event][0], "consequence_en": CONSEQUENCES[event][1],
    }


def _add(certificate: Certificate, code: str, event: str, at: dt.datetime,
         reason: str | None) -> None:
    notice_id, now = str(uuid7()), utcnow()
    append(db.session(), Entry(
        notice_id=notice_id, platform_code=code, certificate=certificate,
        subject=f"{KINDS[certificate.kind]}:{certificate.number}", event=event,
        payload=payload(certificate, event, at, reason, notice_id), created_at=now,
        delivered_at=None, delivered_by=None, attempts=0, next_attempt_at=now, last_error=None),
        PlatformNotice)


# -- the callback setting ---------------------------------------------------------------------

LOOPBACK = frozenset({"127.0.0.1", "localhost", "::1"})


def set_callback(code: str, url: str | None, *, actor: str) -> Platform:
    """Set (or with None, clear) the HTTPS address platform ``code`` takes notices at. Plain
    HTTP only to this machine (a platform's test double, development)."""
    platform = db.session.get(Platform, code)
    if platform is None:
        raise ApiError(404, "平台名录中没有该平台。", "No such platform in the register.")
    if url is not None:
        _check_url(url)
    before = platform.notice_url
    platform.notice_url = url
    record(actor, "platform.notice_url", "platform", code, before={"notice_url": before},
           after={"notice_url": url})
    return platform


def _check_url(url: str) -> None:
    try:
        parts = urlsplit(url)
        port_ok = parts.port is None or parts.port > 0  # (a port that is not a number raises)
    except ValueError:
        parts, port_ok = None, False
    secure = port_ok and parts.hostname and (
        parts.scheme == "https" or (parts.scheme == "http" and parts.hostname in LOOPBACK))
    if not secure or parts.username or parts.password or len(url) > 300:
        raise ApiError(422, "回调地址须为 https:// 开头的完整地址（不含用户名密码，最长 300 字符）。",
                       "The callback must be a full https:// URL (no credentials, at most 300 "
                       "characters).")


# -- reading ------------------------------------------------------------------------------------

def undelivered(limit: int = 200) -> list[tuple[PlatformNotice, Platform]]:
    """Notices no platform has acknowledged yet, oldest first, with their platform."""
    return list(db.session.execute(
        sa.select(PlatformNotice, Platform).join(Platform)
        .where(PlatformNotice.delivered_at.is_(None))
        .order_by(PlatformNotice.id).limit(limit)))


def verify():
    """Walk the outbox's hash chain (``audit.operations.verify_chain``): (notices checked, the
    first problem or None). A notice altered or removed after it was written shows here."""
    from backend.audit.operations import verify_chain

    return verify_chain(PlatformNotice, COUNTER, _hash, label="notice")


def undelivered_count() -> int:
    return db.session.scalar(sa.select(sa.func.count()).select_from(PlatformNotice)
                             .where(PlatformNotice.delivered_at.is_(None)))
