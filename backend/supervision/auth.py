"""Who is sending: every intake request is signed by a licensed platform, as kiosks sign theirs.

    X-Company-Id:  the platform's CompanyId (部统一分配, as in the platform register)
    X-Timestamp:   Unix seconds, within ±300 s of the server's clock
    X-Nonce:       at most 64 of [A-Za-z0-9_-], never used before by this platform
    X-Signature:   hex HMAC-SHA256(secret, METHOD \\n PATH?QUERY \\n TIMESTAMP \\n NONCE \\n
                                           hex SHA-256(body as sent, compressed or not))

The secret comes from ``flask supervision credentials PLATFORM_CODE`` and is kept sealed
(AES-GCM, ``backend.devices.keys``) bound to the platform's CompanyId. A wrong signature, a stale
timestamp, a reused nonce or an unknown platform is 401; a platform whose licence is not in force
is 403. The nonce is recorded in the request's transaction, so a refused request leaves nothing.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import re

import sqlalchemy as sa

from backend.audit import operations as audit
from backend.db import db, utcnow
from backend.devices import keys
from backend.errors import ApiError
from backend.platforms.models import Platform
from backend.supervision.models import IntakeCredential, IntakeNonce

WINDOW_SECONDS = 300
TIMESTAMP = re.compile(r"\d{1,12}")
NONCE = re.compile(r"[A-Za-z0-9_-]{8,64}")
SIGNATURE = re.compile(r"[0-9a-fA-F]{64}")
BEIJING = dt.timezone(dt.timedelta(hours=8))


@dataclasses.dataclass(frozen=True)
class SignedRequest:
    company_id: str
    timestamp: str
    nonce: str
    signature: str
    method: str
    path: str
    body: bytes

    @classmethod
    def of(cls, request, body: bytes) -> SignedRequest:
        """What a platform signed, as a Flask ``request`` carries it (``body`` as read)."""
        path = request.script_root + request.path
        if request.query_string:
            path += "?" + request.query_string.decode("latin-1")
        headers = request.headers
        return cls(company_id=headers.get("X-Company-Id", ""),
                   timestamp=headers.get("X-Timestamp", ""), nonce=headers.get("X-Nonce", ""),
                   signature=headers.get("X-Signature", ""), method=request.method, path=path,
                   body=body)


def _seal_context(company_id: str) -> str:
    return f"supervision-intake:{company_id}"


def refused(reason_en: str, ipc_code: int = 401) -> ApiError:
    return ApiError(401, "平台认证失败：请检查 X-Company-Id、X-Timestamp、X-Nonce 与 X-Signature。",
                    f"Platform authentication failed: {reason_en}.", ipc_code=ipc_code)


def forbidden(message: str, message_en: str) -> ApiError:
    return ApiError(403, message, message_en, ipc_code=403)


def issue_credentials(platform: Platform, *, actor: str) -> str:
    """A new intake secret for ``platform`` (replacing any earlier one); returned only here."""
    if not platform.company_id:
        raise ApiError(409, "该平台在平台名录中没有 CompanyId，请先在名录中补录部级平台分配的标识。",
                       "The platform register has no CompanyId for this platform; import it first.")
    secret = keys.new_secret()
    credential = db.session.get(IntakeCredential, platform.code)
    if credential is None:
        credential = IntakeCredential(platform_code=platform.code)
        db.session.add(credential)
    rekeyed = credential.sealed_secret is not None
    credential.sealed_secret = keys.seal(_seal_context(platform.company_id), secret)
    credential.issued_at = utcnow()
    db.session.flush()
    audit.record(actor, "supervision.credentials.rekeyed" if rekeyed else "supervision.credentials.issued",
                 "platform", platform.code, after={"company_id": platform.company_id})
    return secret


def authenticate(request: SignedRequest) -> Platform:
    """The platform that signed ``request``; 401 or 403 when anything is off."""
    if not (request.company_id and request.timestamp and request.nonce and request.signature):
        raise refused("X-Company-Id, X-Timestamp, X-Nonce and X-Signature are required")
    now = utcnow()
    if (not TIMESTAMP.fullmatch(request.timestamp)
            or abs(now.timestamp() - int(request.timestamp)) > WINDOW_SECONDS):
        raise refused(f"the timestamp is more than {WINDOW_SECONDS} s from the server's clock")
    if not NONCE.fullmatch(request.nonce) or not SIGNATURE.fullmatch(request.signature):
        raise refused("malformed nonce or signature (nonce: 8-64 of A-Z a-z 0-9 _ -)")
    platform, secret = _platform_and_secret(request.company_id)
    message = keys.string_to_sign(request.method, request.path, request.timestamp,
                                  request.nonce, request.body)
    if secret is None or not keys.signature_matches(secret, message, request.signature):
        raise refused("unknown platform or wrong signature")
    if not platform.licensed_on(now.astimezone(BEIJING).date()):
        raise forbidden("该平台的网约车经营许可不在有效期内，数据不予接收。",
                        "The platform's licence is not in force; its data is not accepted.")
    if _nonce_used(platform.company_id, request.nonce):
        raise refused("this nonce was used before (replayed request)")
    return platform


def _platform_and_secret(company_id: str) -> tuple[Platform | None, str | None]:
    if len(company_id) > 32:  # V32: no platform has a longer one
        return None, None
    found = db.session.execute(
        sa.select(Platform, IntakeCredential.sealed_secret)
        .join(IntakeCredential, IntakeCredential.platform_code == Platform.code)
        .where(Platform.company_id == company_id)).first()
    if found is None:
        return None, None
    platform, sealed = found
    return platform, keys.unseal(_seal_context(company_id), sealed)


def _nonce_used(company_id: str, nonce: str) -> bool:
    return db.session.scalar(sa.select(IntakeNonce.id).where(
        IntakeNonce.company_id == company_id, IntakeNonce.nonce == nonce)) is not None


def use_nonce(platform: Platform, nonce: str) -> None:
    """Record the nonce of an authenticated request, once its batch is checked and before
    anything of it is stored; the same nonce racing itself is refused here (the unique key
    decides). (``authenticate`` only reads: the batch's checks run before this first write.)"""
    company_id, now = platform.company_id, utcnow()
    try:
        with db.session.begin_nested():
            db.session.add(IntakeNonce(company_id=company_id, nonce=nonce, seen_at=now))
    except sa.exc.IntegrityError:  # the same request racing itself
        raise refused("this nonce was used before (replayed request)") from None
    # A nonce older than two windows belongs to a timestamp no server clock accepts any more.
    db.session.execute(sa.delete(IntakeNonce).where(
        IntakeNonce.company_id == company_id,
        IntakeNonce.seen_at < now - dt.timedelta(seconds=2 * WINDOW_SECONDS + 1)))
