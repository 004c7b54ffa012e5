"""Issuing, replacing and cancelling certificates."""

from __future__ import annotations

import datetime as dt

import sqlalchemy as sa

from backend.audit.operations import record
from backend.certificates.models import Certificate, Kind, Status
from backend.db import db, utcnow
from backend.identity.models import Person


def _snapshot(certificate: Certificate) -> dict:
    return {"kind": certificate.kind, "version": certificate.version, "status": certificate.status,
            "valid_from": certificate.valid_from, "valid_until": certificate.valid_until}


def current_certificate(holder: Person, kind: Kind) -> Certificate | None:
    """The holder's certificate of this kind that is valid now (status valid, in date)."""
    return db.session.scalar(
        sa.select(Certificate)
        .where(Certificate.holder_id == holder.id, Certificate.kind == kind,
               Certificate.status == Status.VALID)
        .order_by(Certificate.version.desc()).limit(1)
    )


def issue(*, kind: Kind, number: str, holder: Person, valid_from: dt.date, valid_until: dt.date,
          actor: str, previous: Certificate | None = None, **extra) -> Certificate:
    """A new certificate, or a new version replacing ``previous``."""
    if previous is not None:
        set_status(previous, Status.REPLACED, actor=actor, reason="新版本已签发 replaced by a new version")
    certificate = Certificate(
        kind=kind, number=number, holder_id=holder.id, status=Status.VALID,
        version=previous.version + 1 if previous else 1, previous_id=previous.id if previous else None,
        valid_from=valid_from, valid_until=valid_until, **extra,
    )
    db.session.add(certificate)
    db.session.flush()
    record(actor, "certificate.issued", "certificate", certificate.id, after=_snapshot(certificate))
    return certificate


def set_status(certificate: Certificate, status: Status, *, actor: str, reason: str) -> None:
    before = _snapshot(certificate)
    certificate.status = status
    certificate.status_reason = reason
    certificate.status_changed_at = utcnow()
    if status != Status.VALID:
        certificate.valid_plate = None
    record(actor, f"certificate.{status.value}", "certificate", certificate.id,
           before=before, after={**_snapshot(certificate), "reason": reason})
