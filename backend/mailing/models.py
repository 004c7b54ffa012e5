"""The mailing room: every certificate that goes out by post is a mailing item.

An item moves ``queued → printed → dispatched → delivered | returned``; a returned item is
queued again (to a corrected address). Printing puts the queued items in a batch: one PDF with
an address sheet before each certificate. An item whose certificate was replaced or cancelled
before it was posted is held (never printed) and may be ``withdrawn``.
"""

from __future__ import annotations

import datetime as dt
import enum
from typing import TYPE_CHECKING

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from backend.certificates.models import Certificate
from backend.db import Base, UTCDateTime, enum_column, utcnow

if TYPE_CHECKING:
    from backend.licensing.models import Application


class MailingStatus(enum.StrEnum):
    QUEUED = "queued"
    PRINTED = "printed"
    DISPATCHED = "dispatched"
    DELIVERED = "delivered"
    RETURNED = "returned"
    WITHDRAWN = "withdrawn"  # held (its certificate no longer in force) and taken out of the post


class MailingBatch(Base):
    """One print run of the mailing room. Reprinting a batch prints the same items again."""

    __tablename__ = "mailing_batches"

    id: Mapped[str] = mapped_column(sa.String(40), primary_key=True)  # MB-20261130-001
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)
    created_by: Mapped[str] = mapped_column(sa.String(120))
    item_count: Mapped[int]
    print_count: Mapped[int] = mapped_column(default=0)  # 1 after printing, more on reprints
    last_printed_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)


class MailingItem(Base):
    __tablename__ = "mailing_items"

    id: Mapped[int] = mapped_column(primary_key=True)
    certificate_id: Mapped[int] = mapped_column(sa.ForeignKey("certificates.id"), index=True)
    application_id: Mapped[int] = mapped_column(sa.ForeignKey("applications.id"), index=True)
    status: Mapped[MailingStatus] = mapped_column(enum_column(MailingStatus), index=True)
    address: Mapped[dict] = mapped_column(sa.JSON)
    batch_id: Mapped[str | None] = mapped_column(sa.ForeignKey("mailing_batches.id"), index=True)
    tracking_number: Mapped[str | None] = mapped_column(sa.String(40))
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)

    certificate: Mapped[Certificate] = relationship()
    application: Mapped[Application] = relationship(back_populates="mailing_items")
