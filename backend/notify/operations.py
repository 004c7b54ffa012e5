"""Telling people: ``tell`` a citizen (a message in the app and, when their phone is on file,
an SMS), ``text`` a phone number (a hotline caller who is not signed in anywhere)."""

from __future__ import annotations

import sqlalchemy as sa

from backend.db import db, utcnow
from backend.errors import ApiError
from backend.identity.models import Person
from backend.notify.models import PersonMessage, Sms

SMS_LENGTH = 500


def tell(person: Person, *, kind: str, title: str, body: str, reference: str | None = None,
         sms: str | None = None) -> PersonMessage:
    """A message in the person's app; with ``sms``, that text also goes to their phone on file
    (a person without one reads it in the app only)."""
    message = PersonMessage(person=person, kind=kind, title=title, body=body, reference=reference)
    db.session.add(message)
    if sms and person.phone:
        text(person.phone, sms, reference=reference)
    return message


def text(phone: str, content: str, *, reference: str | None = None) -> Sms:
    """An SMS to ``phone``, waiting in the outbox until ``flask notify send``."""
    sms = Sms(phone=phone, text=content[:SMS_LENGTH], reference=reference)
    db.session.add(sms)
    return sms


def messages_for(person: Person, limit: int = 100) -> list[PersonMessage]:
    """The person's messages, newest first."""
    return list(db.session.scalars(
        sa.select(PersonMessage).where(PersonMessage.person_id == person.id)
        .order_by(PersonMessage.id.desc()).limit(limit)))


def mark_read(person: Person, message_id: int) -> PersonMessage:
    """Mark one of the person's messages read; anybody else's is 404."""
    message = db.session.scalar(sa.select(PersonMessage).where(
        PersonMessage.id == message_id, PersonMessage.person_id == person.id))
    if message is None:
        raise ApiError(404, "未找到该消息。", "No such message.")
    if message.read_at is None:
        message.read_at = utcnow()
    return message
