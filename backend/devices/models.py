"""Kiosks, the nonces of their signed requests, card sessions and the ratings of visits."""

from __future__ import annotations

import datetime as dt
import enum

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from backend.db import Base, UTCDateTime, enum_column, utcnow
from backend.identity.models import Person
from backend.licensing.models import Application


class Device(Base):
    """A registered kiosk. ``sealed_secret`` is its HMAC secret encrypted with a key derived
    from the app's secret (:mod:`backend.devices.keys`): a database dump alone cannot sign."""

    __tablename__ = "devices"

    id: Mapped[str] = mapped_column(sa.String(32), primary_key=True)
    name: Mapped[str] = mapped_column(sa.String(100))
    location: Mapped[str] = mapped_column(sa.String(200))
    sealed_secret: Mapped[str] = mapped_column(sa.String(200))
    enabled: Mapped[bool] = mapped_column(default=True)
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)
    rekeyed_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)
    disabled_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)
    last_seen_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)

    @property
    def actor(self) -> str:
        return f"kiosk:{self.id}"

    def __repr__(self) -> str:  # never the secret
        return f"<Device {self.id} {self.name!r}>"


class KioskNonce(Base):
    """A nonce a device has used; a second request with it is a replay. Rows older than twice
    the timestamp window can never match a fresh request and are purged."""

    __tablename__ = "kiosk_nonces"
    __table_args__ = (sa.UniqueConstraint("device_id", "nonce"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    device_id: Mapped[str] = mapped_column(sa.ForeignKey("devices.id"))
    nonce: Mapped[str] = mapped_column(sa.String(64))
    seen_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow, index=True)


class SessionEnd(enum.StrEnum):
    CARD_REMOVED = "card_removed"
    TIMEOUT = "timeout"
    DONE = "done"


class KioskSession(Base):
    """One visit: from the card being placed (and its holder verified) to its removal."""

    __tablename__ = "kiosk_sessions"

    id: Mapped[str] = mapped_column(sa.String(36), primary_key=True)
    device_id: Mapped[str] = mapped_column(sa.ForeignKey("devices.id"), index=True)
    person_id: Mapped[int] = mapped_column(sa.ForeignKey("people.id"), index=True)
    chip_serial: Mapped[str | None] = mapped_column(sa.String(32))
    started_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)
    expires_at: Mapped[dt.datetime] = mapped_column(UTCDateTime)
    ended_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)
    end_reason: Mapped[SessionEnd | None] = mapped_column(enum_column(SessionEnd))

    device: Mapped[Device] = relationship()
    person: Mapped[Person] = relationship()


class KioskApplication(Base):
    """An application made in a session, under the kiosk's transaction id."""

    __tablename__ = "kiosk_applications"

    id: Mapped[int] = mapped_column(primary_key=True)
    session_id: Mapped[str] = mapped_column(sa.ForeignKey("kiosk_sessions.id"), index=True)
    application_id: Mapped[int] = mapped_column(sa.ForeignKey("applications.id"), unique=True)
    transaction_id: Mapped[str] = mapped_column(sa.String(64))

    application: Mapped[Application] = relationship()
