"""The mailing room: every certificate that goes out by post is a mailing item."""

from __future__ import annotations

import datetime as dt
import enum

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from backend.certificates.models import Certificate
from backend.db import Base, UTCDateTime, utcnow


class MailingStatus(enum.StrEnum):
    QUEUED = "queued"
    PRINTED = "printed"
    DISPATCHED = "dispatched"
    DELIVERED = "delivered"
    RETURNED = "returned"


class MailingItem(Base):
    __tablename__ = "mailing_items"

    id: Mapped[int] = mapped_column(primary_key=True)
    certificate_id: Mapped[int] = mapped_column(sa.ForeignKey("certificates.id"), index=True)
    application_id: Mapped[int] = mapped_column(sa.ForeignKey("applications.id"), index=True)
    status: Mapped[MailingStatus] = mapped_column(
        sa.Enum(MailingStatus, native_enum=False, length=20,
                values_callable=lambda e: [m.value for m in e]), index=True)
    address: Mapped[dict] = mapped_column(sa.JSON)
    batch_id: Mapped[str | None] = mapped_column(sa.String(40), index=True)
    tracking_number: Mapped[str | None] = mapped_column(sa.String(40))
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)

    certificate: Mapped[Certificate] = relationship()
