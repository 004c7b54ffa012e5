"""What the bureau tells people: messages in the app, and SMS waiting in the outbox."""

from __future__ import annotations

import datetime as dt

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from backend.db import Base, UTCDateTime, utcnow
from backend.identity.models import Person


class PersonMessage(Base):
    """A message to a citizen, read in the app (``GET /api/v1/messages``): a decision about
    their certificate, an exam booking, what happens next."""

    __tablename__ = "person_messages"

    id: Mapped[int] = mapped_column(primary_key=True)
    person_id: Mapped[int] = mapped_column(sa.ForeignKey("people.id"), index=True)
    # What it is about, as a code the app may group by ("certificate.suspended", "exam.booked").
    kind: Mapped[str] = mapped_column(sa.String(60))
    title: Mapped[str] = mapped_column(sa.String(200))
    body: Mapped[str] = mapped_column(sa.Text)
    # What it refers to, for the app to link: an application or certificate number.
    reference: Mapped[str | None] = mapped_column(sa.String(60))
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)
    read_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)

    person: Mapped[Person] = relationship()


class Sms(Base):
    """An SMS in the outbox, sent by ``flask notify send`` through the configured sender
    (``backend.notify.sms``); a failed one is tried again next time."""

    __tablename__ = "sms_outbox"

    id: Mapped[int] = mapped_column(primary_key=True)
    phone: Mapped[str] = mapped_column(sa.String(20))
    text: Mapped[str] = mapped_column(sa.String(500))
    # What it is about (a ticket or application number), passed on to the gateway.
    reference: Mapped[str | None] = mapped_column(sa.String(60))
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)
    sent_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime, index=True)
    sent_by: Mapped[str | None] = mapped_column(sa.String(20))  # "gateway" or "log"
    attempts: Mapped[int] = mapped_column(default=0)
    last_error: Mapped[str | None] = mapped_column(sa.String(200))
