"""Mirrors of other departments' registers (联网联查) and the log of every query put to them.

Mirror tables are filled by ``flask registry import`` from the departments' exports; field
names follow the import contract in the README.
"""

from __future__ import annotations

import datetime as dt

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

from backend.db import Base, UTCDateTime, utcnow


class MirrorIdentity(Base):
    """Police population registry: who a person is and whether the ID card is still good."""

    __tablename__ = "mirror_identity"

    id_number: Mapped[str] = mapped_column(sa.String(18), primary_key=True)
    name: Mapped[str] = mapped_column(sa.String(100))
    sex: Mapped[str] = mapped_column(sa.String(1))
    birth_date: Mapped[dt.date]
    hukou_region: Mapped[str] = mapped_column(sa.String(6))
    card_valid_until: Mapped[dt.date | None]  # None: 长期 (long-term)
    card_reported_lost: Mapped[bool] = mapped_column(default=False)
    # The ID-card photo (JPEG, checked on import: ``imports.JpegPhoto``); read only by the
    # ``identity.photo`` operation when a driver certificate is issued.
    photo: Mapped[bytes | None] = mapped_column(sa.LargeBinary, deferred=True)
    imported_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)


class MirrorPoliceRecord(Base):
    __tablename__ = "mirror_police_records"
    __table_args__ = (sa.UniqueConstraint("id_number", "category", "recorded_on"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    id_number: Mapped[str] = mapped_column(sa.String(18), index=True)
    category: Mapped[str] = mapped_column(sa.String(30))
    recorded_on: Mapped[dt.date]
    imported_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)


class MirrorDrivingLicence(Base):
    __tablename__ = "mirror_driving_licences"

    id_number: Mapped[str] = mapped_column(sa.String(18), primary_key=True)
    licence_class: Mapped[str] = mapped_column(sa.String(10))
    first_issued_on: Mapped[dt.date]
    status: Mapped[str] = mapped_column(sa.String(20))
    valid_until: Mapped[dt.date]
    cycles: Mapped[list] = mapped_column(sa.JSON, default=list)
    imported_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)


class MirrorResidencePermit(Base):
    __tablename__ = "mirror_residence_permits"

    id_number: Mapped[str] = mapped_column(sa.String(18), primary_key=True)
    city_code: Mapped[str] = mapped_column(sa.String(6))
    valid_until: Mapped[dt.date]
    imported_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)


class SourceQuery(Base):
    """One question put to a source, X-Road style: who asked, why, hashes, latency, outcome.

    Append-only and hash-chained like the audit log (ids from a gapless counter). Query ids
    are UUIDv7, ordered by time, so new ones go in at the end of their index; no index on
    ``hash`` (see ``AuditEntry``)."""

    __tablename__ = "source_queries"

    id: Mapped[int] = mapped_column(primary_key=True)
    query_id: Mapped[str] = mapped_column(sa.String(36), unique=True)
    at: Mapped[dt.datetime] = mapped_column(UTCDateTime)
    requester: Mapped[str] = mapped_column(sa.String(120))
    purpose: Mapped[str] = mapped_column(sa.String(80), index=True)
    source: Mapped[str] = mapped_column(sa.String(40))
    operation: Mapped[str] = mapped_column(sa.String(40))
    implementation: Mapped[str] = mapped_column(sa.String(10))
    request_hash: Mapped[str] = mapped_column(sa.String(64))
    response_hash: Mapped[str | None] = mapped_column(sa.String(64))
    latency_ms: Mapped[float]
    outcome: Mapped[str] = mapped_column(sa.String(20))
    prev_hash: Mapped[str] = mapped_column(sa.String(64))
    hash: Mapped[str] = mapped_column(sa.String(64))
