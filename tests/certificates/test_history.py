"""A certificate's validity history: every status it entered, with the time, in order."""

import sqlalchemy as sa

from backend.certificates.models import Certificate, Status, StatusChange
from backend.db import db
from tests.certificates.holders import cancel, driver_with_certificate, renew


def history(certificate_id: int) -> list[tuple[Status, str]]:
    return [(change.status, change.actor) for change in db.session.scalars(
        sa.select(StatusChange).where(StatusChange.certificate_id == certificate_id)
        .order_by(StatusChange.at, StatusChange.id))]


def test_renewal_and_cancellation_leave_each_version_with_its_history(client):
    _, headers, first = driver_with_certificate(client)
    renew(client, headers)
    second = db.session.scalar(sa.select(Certificate).where(Certificate.previous_id == first.id))
    cancel(client, headers)

    assert [status for status, _ in history(first.id)] == [Status.VALID, Status.REPLACED]
    assert [status for status, _ in history(second.id)] == [Status.VALID, Status.CANCELLED]
    replaced = db.session.scalar(sa.select(StatusChange).where(
        StatusChange.certificate_id == first.id, StatusChange.status == Status.REPLACED))
    issued = db.session.scalar(sa.select(StatusChange).where(
        StatusChange.certificate_id == second.id, StatusChange.status == Status.VALID))
    # a renewal leaves no gap: the old version ends the moment the new one begins
    assert replaced.at == issued.at
