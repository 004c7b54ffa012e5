"""Certificates: driver certificates, vehicle transport certificates and platform licences."""

from __future__ import annotations

import datetime as dt
import enum

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from backend.db import Base, UTCDateTime, enum_column, utcnow
from backend.identity.models import Company, Person


class Kind(enum.StrEnum):
    DRIVER = "driver"
    TRANSPORT = "transport"
    PLATFORM = "platform"


class Status(enum.StrEnum):
    VALID = "valid"
    CANCELLED = "cancelled"
    REVOKED = "revoked"
    EXPIRED = "expired"
    REPLACED = "replaced"
    # In force no longer until a clerk decides: revoked, or reinstated (valid again, same
    # number and version).
    SUSPENDED = "suspended"


class Certificate(Base):
    """One version of a certificate. Reissue and renewal add a version and replace the old one.

    ``version`` is the certificate's; ``row_version`` is the row's, so that two requests that
    change one certificate at once (two renewals) cannot both succeed: the later gets 409.
    """

    __tablename__ = "certificates"
    __table_args__ = (sa.UniqueConstraint("kind", "number", "version"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[Kind] = mapped_column(enum_column(Kind))  # (first in the unique key)
    number: Mapped[str] = mapped_column(sa.String(60), index=True)
    version: Mapped[int] = mapped_column(default=1)
    holder_id: Mapped[int] = mapped_column(sa.ForeignKey("people.id"), index=True)
    # A company's certificate (the platform licence): the company holds it; ``holder`` is the
    # person who applied for it.
    company_id: Mapped[int | None] = mapped_column(sa.ForeignKey("companies.id"), index=True)
    previous_id: Mapped[int | None] = mapped_column(sa.ForeignKey("certificates.id"))
    status: Mapped[Status] = mapped_column(enum_column(Status))
    valid_from: Mapped[dt.date]
    valid_until: Mapped[dt.date]
    issued_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)
    status_changed_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)
    status_reason: Mapped[str | None] = mapped_column(sa.String(300))
    # As printed on this version: the holder's name the bureau certified (a driver's changes
    # only through ``driver-cert-change``, not when the person next signs in; None: the
    # holder's current name) and, on a driver certificate, the address.
    holder_name: Mapped[str | None] = mapped_column(sa.String(100))
    address: Mapped[str | None] = mapped_column(sa.String(200))
    plate: Mapped[str | None] = mapped_column(sa.String(16), index=True)
    platform_code: Mapped[str | None] = mapped_column(sa.String(40))
    # Set while a transport certificate is valid or suspended (until the bureau revokes or
    # reinstates it): the database itself then refuses a second certificate for the same plate
    # (one vehicle, one platform).
    valid_plate: Mapped[str | None] = mapped_column(sa.String(16), unique=True)
    # What a kind prints beyond the shared fields (a platform licence: name, address, legal
    # representative, service locations, scope, area), as it was when this version was issued.
    details: Mapped[dict | None] = mapped_column(sa.JSON)
    # A driver certificate's holder photo as printed on this version (JPEG, from the police's
    # population register when it was issued); loaded only to print.
    photo: Mapped[bytes | None] = mapped_column(sa.LargeBinary, deferred=True)

    row_version: Mapped[int] = mapped_column(default=1)

    holder: Mapped[Person] = relationship()
    company: Mapped[Company | None] = relationship()
    # (read-only: a new version is linked by ``previous_id``, so the unit of work has no cycle
    # of certificates to sort when it writes one)
    previous: Mapped[Certificate | None] = relationship(remote_side=[id], viewonly=True)

    __mapper_args__ = {"version_id_col": row_version}

    def effective_status(self, today: dt.date) -> Status:
        """A valid certificate past its end date reads as expired even before a job marks it."""
        if self.status == Status.VALID and today > self.valid_until:
            return Status.EXPIRED
        return self.status


class StatusChange(Base):
    """A certificate's validity history, one row per status it entered: ``valid`` when issued
    (or reinstated), then ``suspended``, ``revoked``, ``cancelled``, ``replaced``, ``expired``
    with the time it happened. Whether a certificate was in force at a given second (an
    order's departure) is read from here; ``Certificate.status`` is only the latest row."""

    __tablename__ = "certificate_status_changes"
    __table_args__ = (sa.Index("ix_certificate_status_changes_certificate_at",
                               "certificate_id", "at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    certificate_id: Mapped[int] = mapped_column(sa.ForeignKey("certificates.id"))
    status: Mapped[Status] = mapped_column(enum_column(Status))
    at: Mapped[dt.datetime] = mapped_column(UTCDateTime)
    actor: Mapped[str] = mapped_column(sa.String(80))
    reason: Mapped[str | None] = mapped_column(sa.String(300))

    certificate: Mapped[Certificate] = relationship()
