"""Queueing certificates for the post."""

from __future__ import annotations

from backend.audit.operations import record
from backend.certificates.models import Certificate
from backend.db import db
from backend.mailing.models import MailingItem, MailingStatus


def queue_item(certificate: Certificate, application, *, actor: str) -> MailingItem:
    item = MailingItem(certificate_id=certificate.id, application_id=application.id,
                       status=MailingStatus.QUEUED, address=application.mailing_address)
    db.session.add(item)
    db.session.flush()
    record(actor, "mailing.queued", "mailing_item", item.id,
           after={"certificate": certificate.id, "application": application.number})
    return item
