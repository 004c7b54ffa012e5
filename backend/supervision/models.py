"""The intake's tables: platforms' intake secrets and used nonces, the base information platforms
report, the latest position of each vehicle, and the records the intake refused.

Events (orders, operate, positions, ratings) are not here: they go to the columnar event store
(``backend.supervision.events``).
"""

from __future__ import annotations

import datetime as dt

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

from backend.db import Base, UTCDateTime, utcnow


class IntakeCredential(Base):
    """A platform's intake secret (sealed; shown once when ``flask supervision credentials``
    issues it). One per platform: re-keying replaces it."""

    __tablename__ = "supervision_intake_credentials"

    platform_code: Mapped[str] = mapped_column(sa.ForeignKey("platforms.code"), primary_key=True)
    sealed_secret: Mapped[str] = mapped_column(sa.String(200))
    issued_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)

    def __repr__(self) -> str:  # never the secret
        return f"<IntakeCredential {self.platform_code}>"


class IntakeNonce(Base):
    """A nonce a platform has used; a second request with it is a replay. Rows older than twice
    the timestamp window can never match a fresh request and are purged."""

    __tablename__ = "supervision_intake_nonces"
    __table_args__ = (sa.UniqueConstraint("company_id", "nonce"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    company_id: Mapped[str] = mapped_column(sa.String(32))
    nonce: Mapped[str] = mapped_column(sa.String(64))
    seen_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow, index=True)


class BaseRecord(Base):
    """One piece of a platform's base information (a ``baseInfo*`` record) under its natural key:
    the latest the platform sent, personal data masked (``backend.supervision.baseinfo``).
    ``deleted`` after a ``Flag`` 3; ``update_time`` is the record's own F14 ``UpdateTime``."""

    __tablename__ = "supervision_base_records"
    __table_args__ = (sa.UniqueConstraint("company_id", "interface", "natural_key"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    company_id: Mapped[str] = mapped_column(sa.String(32))
    interface: Mapped[str] = mapped_column(sa.String(40))
    natural_key: Mapped[str] = mapped_column(sa.String(300))
    data: Mapped[dict] = mapped_column(sa.JSON)
    update_time: Mapped[int] = mapped_column(sa.BigInteger)
    deleted: Mapped[bool] = mapped_column(default=False)
    received_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)


class VehiclePosition(Base):
    """The latest position a platform reported for a vehicle (``positionVehicle``): what the
    licensing check ``veh.gps_live`` reads."""

    __tablename__ = "supervision_vehicle_positions"

    company_id: Mapped[str] = mapped_column(sa.String(32), primary_key=True)
    plate: Mapped[str] = mapped_column(sa.String(16), primary_key=True)
    position_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, index=True)
    longitude: Mapped[int] = mapped_column(sa.BigInteger)
    latitude: Mapped[int] = mapped_column(sa.BigInteger)
    encrypt: Mapped[int | None]
    received_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)


sa.Index("ix_supervision_vehicle_positions_plate_at", VehiclePosition.plate,
         VehiclePosition.position_at)


class RejectedRecord(Base):
    """A record the intake refused, once per platform, interface and content (a resent batch is
    not counted twice): the validity figures count these by day and reason."""

    __tablename__ = "supervision_rejected_records"
    __table_args__ = (sa.UniqueConstraint("company_id", "interface", "digest"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    company_id: Mapped[str] = mapped_column(sa.String(32))
    interface: Mapped[str] = mapped_column(sa.String(40))
    # SHA-256 of the record as received (canonical JSON), hex.
    digest: Mapped[str] = mapped_column(sa.String(64))
    field: Mapped[str | None] = mapped_column(sa.String(64))
    reason: Mapped[str] = mapped_column(sa.String(32))
    # The Beijing day the intake received it.
    day: Mapped[dt.date] = mapped_column(index=True)
    received_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)
