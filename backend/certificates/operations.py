"""Issuing, replacing and cancelling certificates; their PDFs; checking a scanned code.

Certificates are signed when they are rendered (a PDF download, a mailing batch), not when
they are issued: the token depends only on the certificate and the key, so nothing needs
storing, and a certificate printed after a key rotation carries the new key's signature.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import sqlalchemy as sa
from flask import current_app

from backend.audit.operations import record
from backend.certificates.keys import Signer, current_signer, public_keyset
from backend.certificates.kinds import CertificateKind, get_kind
from backend.certificates.models import Certificate, Kind, Status, StatusChange
from backend.certificates.render import CertificateView, render_certificate
from backend.certificates.tokens import (
    CHINA_STANDARD_TIME,
    TokenError,
    VerifiedToken,
    china_today,
    sign_certificate_claims,
    verification_url,
    verify_token,
)
from backend.certificates.tokens import MESSAGES as TOKEN_MESSAGES
from backend.certificates.tokens import Reason as TokenReason
from backend.common.masking import mask_id_number_public
from backend.db import db, utcnow
from backend.errors import ApiError
from backend.identity.models import Company, Person
from backend.notices import operations as notices
from backend.platforms.register import platform_name


def _snapshot(certificate: Certificate) -> dict:
    return {"kind": certificate.kind, "version": certificate.version, "status": certificate.status,
            "valid_from": certificate.valid_from, "valid_until": certificate.valid_until}


# (built once: every driver matter asks it, and building costs more than running)
CURRENT = (sa.select(Certificate)
           .where(Certificate.holder_id == sa.bindparam("holder"),
                  Certificate.kind == sa.bindparam("kind"),
                  Certificate.status == sa.bindparam("status"))
           .order_by(Certificate.version.desc()).limit(1))


def current_certificate(holder: Person, kind: Kind,
                        status: Status = Status.VALID) -> Certificate | None:
    """The holder's certificate of this kind whose status is ``status``, valid unless said (it
    may be past its end date: ``effective_status`` tells)."""
    return db.session.scalar(CURRENT, {"holder": holder.id, "kind": kind, "status": status})


def issue(*, kind: Kind, number: str, holder: Person, valid_from: dt.date, valid_until: dt.date,
          actor: str, previous: Certificate | None = None, at: dt.datetime | None = None,
          **extra) -> Certificate:
    """A new certificate, or a new version replacing ``previous``, issued now (or ``at``: a
    register entered after the fact, like the simulator's, says when it was issued)."""
    now = at or utcnow()
    if previous is not None:
        set_status(previous, Status.REPLACED, actor=actor, at=now,
                   reason="新版本已签发 replaced by a new version")
    certificate = Certificate(
        kind=kind, number=number, holder=holder, status=Status.VALID,
        version=previous.version + 1 if previous else 1,
        previous_id=previous.id if previous else None,
        valid_from=valid_from, valid_until=valid_until, issued_at=now, status_changed_at=now,
        **extra)
    db.session.add(certificate)
    db.session.add(StatusChange(certificate=certificate, status=Status.VALID, at=now, actor=actor,
                                reason="签发 issued"))
    record(actor, "certificate.issued", "certificate", certificate, after=_snapshot(certificate))
    return certificate


def set_status(certificate: Certificate, status: Status, *, actor: str, reason: str,
               at: dt.datetime | None = None) -> None:
    """Change a certificate's status. A concurrent change of the same certificate (two
    renewals at once) finds its version changed: the later request fails with 409 rather than
    leave two valid certificates (``backend.errors``)."""
    before = _snapshot(certificate)
    now = at or utcnow()
    certificate.status, certificate.status_reason = status, reason
    certificate.status_changed_at = now
    db.session.add(StatusChange(certificate=certificate, status=status, at=now, actor=actor,
                                reason=reason))
    if status not in (Status.VALID, Status.SUSPENDED):
        # (a suspended transport certificate keeps its plate: it may be reinstated, and until
        # the bureau decides the database refuses another certificate for the vehicle)
        certificate.valid_plate = None
    record(actor, f"certificate.{status.value}", "certificate", certificate,
           before=before, after={**_snapshot(certificate), "reason": reason})
    notices.certificate_changed(certificate, before["status"], at=now, reason=reason)



EXPIRING = (Kind.DRIVER, Kind.TRANSPORT, Kind.PLATFORM)


def expire_due(today: dt.date, *, actor: str) -> list[Certificate]:
    """Mark expired every certificate still valid after its end date (already read as expired,
    ``effective_status``), through ``set_status``: its history says it ended at 00:00 Beijing
    time the day after its end date, and the platforms are told."""
    due = db.session.scalars(sa.select(Certificate).where(
        Certificate.status == Status.VALID, Certificate.valid_until < today,
        Certificate.kind.in_(EXPIRING)).order_by(Certificate.id)).all()
    for certificate in due:
        ended = dt.datetime.combine(certificate.valid_until + dt.timedelta(days=1), dt.time(),
                                    CHINA_STANDARD_TIME)
        set_status(certificate, Status.EXPIRED, actor=actor, at=ended,
                   reason=f"有效期至 {certificate.valid_until} 届满 expired after its end date")
    return list(due)

# -- the holder's own certificates --------------------------------------------------------------

def _held_by(holder: Person, company: Company | None):
    """A company's certificates, or the person's own (not those they applied for for one)."""
    if company is not None:
        return Certificate.company_id == company.id
    return (Certificate.holder_id == holder.id) & Certificate.company_id.is_(None)


def certificates_of(holder: Person, company: Company | None = None) -> list[Certificate]:
    """Every certificate of the holder (of ``company``), every version, newest first."""
    return list(db.session.scalars(
        sa.select(Certificate).where(_held_by(holder, company))
        .order_by(Certificate.issued_at.desc(), Certificate.id.desc())))


def certificate_of(holder: Person, certificate_id: int,
                   company: Company | None = None) -> Certificate:
    """The holder's own certificate (the company's, with ``company``); anybody else's is 404,
    the same as one that does not exist."""
    certificate = db.session.scalar(sa.select(Certificate).where(
        Certificate.id == certificate_id, _held_by(holder, company)))
    if certificate is None:
        raise ApiError(404, "未找到该证件。", "No such certificate.")
    return certificate


def downloadable(certificate: Certificate) -> Certificate:
    """A certificate in force; a copy of a cancelled, revoked, replaced or expired one is 409."""
    status = certificate.effective_status(china_today())
    if status != Status.VALID:
        raise ApiError(409, f"该证件当前状态为「{STATUS_NAMES[status][0]}」，不能下载电子证件。",
                       f"This certificate is {status.value}; only a valid one can be downloaded.",
                       status=status.value)
    return certificate


# -- rendering ----------------------------------------------------------------------------------

def current_signer_for_app() -> Signer:
    """The bureau's current signing key (created on first use); load it once per batch."""
    return current_signer(current_app.config["SIGNING_KEYS_DIR"])


def signed_token(certificate: Certificate, signer: Signer | None = None) -> str:
    """The certificate's claims signed with the bureau's current key.

    Signing is deterministic (Ed25519), so the same certificate and key give the same token.
    """
    if certificate.id is None:  # issued in this transaction: the token names its register id
        db.session.flush()
    return sign_certificate_claims(
        signer or current_signer_for_app(),
        kind=certificate.kind.value, number=certificate.number, version=certificate.version,
        holder_name=_holder_name(certificate), plate=certificate.plate,
        valid_from=certificate.valid_from, valid_until=certificate.valid_until,
        issued_at=certificate.issued_at, register_id=certificate.id,
    )


def qr_text(certificate: Certificate, signer: Signer | None = None) -> str:
    """What the QR code holds: the public verification page of the certificate's token."""
    return verification_url(current_app.config["PUBLIC_BASE_URL"],
                            signed_token(certificate, signer))


def certificate_view(certificate: Certificate, signer: Signer | None = None) -> CertificateView:
    return CertificateView(
        kind=certificate.kind.value, number=certificate.number,
        holder_name=_holder_name(certificate), valid_from=certificate.valid_from,
        valid_until=certificate.valid_until,
        issued_on=certificate.issued_at.astimezone(CHINA_STANDARD_TIME).date(),
        qr_text=qr_text(certificate, signer), plate=certificate.plate,
        platform_name=_platform_name(certificate.platform_code), address=certificate.address,
        details=certificate.details or {},
        photo=certificate.photo if certificate.kind == Kind.DRIVER else None,
    )


def certificate_pdf(certificate: Certificate) -> bytes:
    return render_certificate(certificate_view(certificate))


def pdf_filename(certificate: Certificate) -> str:
    """ASCII, and without the number: a driver certificate's number is the ID number."""
    return f"certificate-{certificate.kind.value}-{certificate.id}-v{certificate.version}.pdf"


def _holder_name(certificate: Certificate) -> str:
    if certificate.kind == Kind.PLATFORM:
        # (the name this version was issued to: a later change of name is a new version)
        return ((certificate.details or {}).get("name")
                or _platform_name(certificate.platform_code) or certificate.holder.name)
    return certificate.holder_name or certificate.holder.name


def _platform_name(code: str | None) -> str | None:
    return (platform_name(code) or code) if code else None


# -- the revocation list for offline verifiers ----------------------------------------------------

def revocation_list() -> str:
    """Every certificate suspended or revoked and still within its dates, signed with the
    current certificate key, good for ``REVOCATION_LIST_TTL_SECONDS``."""
    from backend.certificates.kinds import get_kind
    from backend.certificates.revocations import sign_list

    today = china_today()
    rows = db.session.execute(
        sa.select(Certificate.kind, Certificate.id, Certificate.number, Certificate.version,
                  Certificate.status, Certificate.status_changed_at)
        .where(Certificate.status.in_([Status.SUSPENDED, Status.REVOKED]),
               Certificate.valid_until >= today).order_by(Certificate.id))
    entries = []
    for kind, register_id, number, version, status, since in rows:
        spec = get_kind(kind.value)
        entry = {"k": spec.token_code, "v": version, "s": status.value,
                 "d": since.astimezone(CHINA_STANDARD_TIME).date().isoformat()}
        if spec.number_is_id_number:
            entry["c"] = register_id
        else:
            entry["n"] = number
        entries.append(entry)
    return sign_list(current_signer_for_app(), entries, issued_at=int(utcnow().timestamp()),
                     ttl=current_app.config["REVOCATION_LIST_TTL_SECONDS"])


# -- verification -------------------------------------------------------------------------------

STATUS_NAMES: dict[Status, tuple[str, str]] = {
    Status.VALID: ("有效", "valid"),
    Status.CANCELLED: ("已注销", "cancelled"),
    Status.REVOKED: ("已吊销", "revoked"),
    Status.EXPIRED: ("已过期", "expired"),
    Status.REPLACED: ("已换发新证", "replaced"),
    Status.SUSPENDED: ("已暂停使用", "suspended"),
}

# What each status means, for the holder and for whoever checks the certificate (the H5 pages
# and the verification page say it alike).
STATUS_MEANINGS: dict[str, tuple[str, str]] = {
    "valid": ("证件有效，可以从事网约车经营服务。", "In force: it may be used for ride-hailing service."),
    "suspended": ("证件暂停使用，暂停期间不得从事网约车经营服务。",
                  "Suspended: no ride-hailing service with it while suspended."),
    "revoked": ("证件已被吊销，不得继续从事网约车经营。", "Revoked: no more ride-hailing service with it."),
    "cancelled": ("证件已注销，不再有效。", "Cancelled: it is no longer valid."),
    "expired": ("证件已过有效期，办理换发后才能继续使用。", "Expired: renew it before using it again."),
    "replaced": ("此证已换发或补发新证而作废，请使用新证件。",
                 "Replaced by a newer certificate: this one is void; use the new one."),
}

# Reasons beyond the token's own (``tokens.Reason``): what the register says about it now.
REASON_MESSAGES: dict[str, tuple[str, str]] = {
    **{reason.value: message for reason, message in TOKEN_MESSAGES.items()},
    "unknown_certificate": (
        "证件库中没有这张证件。证件码签名有效但证件未登记，请到发证机关核实。",
        "The signature is genuine but the register holds no such certificate. Ask the bureau.",
    ),
    "revoked": ("证件已被吊销，不得继续从事网约车经营。", "The certificate has been revoked."),
    "cancelled": ("证件已注销。", "The certificate has been cancelled."),
    "suspended": ("证件已暂停使用，持证人暂停期间不得从事网约车服务。",
                  "The certificate is suspended: its holder may not drive for a platform meanwhile."),
    "replaced": ("证件已换发或补发新证，此证作废，请查验持证人的新证件。",
                 "The certificate was replaced by a newer one; this copy is void."),
}
VALID_MESSAGE = ("证件有效。请核对持证人身份证件或车辆号牌与证件一致。",
                 "The certificate is valid. Check that the holder's ID or the plate matches.")


@dataclass(frozen=True)
class Verification:
    """The answer of the online check: signature and key, then the register's current status.

    Shows no more personal data than the token itself: a masked name and ID number for a
    driver, the plate and no owner for a vehicle.
    """

    valid: bool
    reason: str | None
    status: str | None = None
    kind: str | None = None
    number_masked: str | None = None
    holder_masked: str | None = None
    plate: str | None = None
    valid_from: dt.date | None = None
    valid_until: dt.date | None = None
    # the day (China time) a certificate left ``valid``: suspended (revoked, …) since then
    status_since: dt.date | None = None

    @property
    def message(self) -> tuple[str, str]:
        return VALID_MESSAGE if self.valid else REASON_MESSAGES[self.reason]

    @property
    def kind_spec(self) -> CertificateKind | None:
        return get_kind(self.kind) if self.kind else None


def verify(token_or_qr_text: str, *, today: dt.date | None = None) -> Verification:
    """Check a scanned certificate code against the published keys and the register."""
    today = today or china_today()
    keyset = public_keyset(current_app.config["SIGNING_KEYS_DIR"])
    date_problem = None
    try:
        claims = verify_token(token_or_qr_text, keyset, today=today)
    except TokenError as error:
        if error.claims is None:  # not genuine: nothing in it may be shown
            return Verification(valid=False, reason=error.reason.value)
        claims, date_problem = error.claims, error.reason.value
    certificate = _registered(claims)
    if certificate is None:
        return Verification(valid=False, reason="unknown_certificate")
    status = certificate.effective_status(today)
    if status == Status.VALID and today < certificate.valid_from:
        date_problem = date_problem or TokenReason.NOT_YET_VALID.value
    reason = status.value if status != Status.VALID else date_problem
    since = None
    if certificate.status != Status.VALID:
        since = certificate.status_changed_at.astimezone(CHINA_STANDARD_TIME).date()
    return Verification(valid=reason is None, reason=reason, status=status.value,
                        status_since=since, **_public_fields(certificate, claims))


def _registered(claims: VerifiedToken) -> Certificate | None:
    """The certificate a genuine token names: by register id in a token whose number is
    masked (it must still agree with the kind, version and masked number), by number in
    tokens that carry it in full (every token of a kind whose number is not personal, and
    driver tokens signed before their numbers were masked)."""
    if claims.register_id is None:
        return db.session.scalar(sa.select(Certificate).where(
            Certificate.kind == claims.kind, Certificate.number == claims.number,
            Certificate.version == claims.version))
    certificate = db.session.get(Certificate, claims.register_id)
    if certificate is None or (certificate.kind, certificate.version) != (claims.kind, claims.version):
        return None
    return certificate if mask_id_number_public(certificate.number) == claims.number else None


def _public_fields(certificate: Certificate, claims: VerifiedToken) -> dict:
    number = certificate.number
    if certificate.kind == Kind.DRIVER:
        number = mask_id_number_public(number)
    holder = None if certificate.kind == Kind.TRANSPORT else claims.holder  # as signed: masked
    return {"kind": certificate.kind.value, "number_masked": number, "holder_masked": holder,
            "plate": certificate.plate, "valid_from": certificate.valid_from,
            "valid_until": certificate.valid_until}
