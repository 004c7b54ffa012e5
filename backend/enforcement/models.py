"""What the enforcement cameras saw and what came of it: every plate read with its
classification, and the alerts (one open per plate) an officer confirms or dismisses.

Reads are kept in the relational database (one row each, written in batches by the camera
worker, ``backend.enforcement.worker``): the staff look-up's "last seen" and an alert's
evidence read them by plate and time. ``flask enforcement prune`` drops old ones.
"""

from __future__ import annotations

import datetime as dt
import enum

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from backend.db import Base, UTCDateTime, enum_column, utcnow


class Result(enum.StrEnum):
    LICENSED = "licensed"  # a transport certificate was in force at the moment of the read
    SUSPECTED = "suspected"  # suspected illegal operation (涉嫌非法营运)
    ORDINARY = "ordinary"  # a private car: no certificate, nothing in the feed, not blacklisted


RESULT_LABELS = {Result.LICENSED: "合规网约车 Licensed ride-hailing car",
                 Result.SUSPECTED: "涉嫌非法营运 Suspected illegal operation",
                 Result.ORDINARY: "普通车辆 Ordinary car"}


class AlertStatus(enum.StrEnum):
    OPEN = "open"
    CONFIRMED = "confirmed"  # an officer found illegal operation
    DISMISSED = "dismissed"  # an officer found none (a relative's car seen in the feed, …)


ALERT_STATUS_LABELS = {AlertStatus.OPEN: "待核查 Open", AlertStatus.CONFIRMED: "已确认 Confirmed",
                       AlertStatus.DISMISSED: "已排除 Dismissed"}


class CameraAlert(Base):
    """A suspected case: a plate read without a transport certificate in force, seen in a
    platform's feed near that time or blacklisted. Later suspected reads of the plate join the
    open alert; once an officer decides, the next suspected read opens a new one."""

    __tablename__ = "enforcement_alerts"

    id: Mapped[int] = mapped_column(primary_key=True)
    plate: Mapped[str] = mapped_column(sa.String(16), index=True)
    # Set while the alert is open: the database refuses a second open alert for the plate.
    open_plate: Mapped[str | None] = mapped_column(sa.String(16), unique=True)
    status: Mapped[AlertStatus] = mapped_column(enum_column(AlertStatus), default=AlertStatus.OPEN)
    # Why: "feed" (in a platform's orders or positions near the read), "blacklist", or both.
    reasons: Mapped[list] = mapped_column(sa.JSON)
    # The platforms (CompanyId) whose feed had the plate near a read.
    companies: Mapped[list] = mapped_column(sa.JSON)
    first_seen_at: Mapped[dt.datetime] = mapped_column(UTCDateTime)
    last_seen_at: Mapped[dt.datetime] = mapped_column(UTCDateTime)
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)
    decided_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)
    decided_by: Mapped[str | None] = mapped_column(sa.String(80))
    note: Mapped[str | None] = mapped_column(sa.Text)
    # The evidence as the officer saw it when deciding (the reads, the plate's orders and
    # positions near them, its certificate history): kept after the event store's retention.
    evidence: Mapped[dict | None] = mapped_column(sa.JSON)
    row_version: Mapped[int] = mapped_column(default=1)

    __mapper_args__ = {"version_id_col": row_version}


class CameraRead(Base):
    """One plate read as the camera sent it, with the classification it got. A read sent
    again (the broker redelivers what the worker had not acknowledged) is the same row: the
    plate, the moment and the camera identify it."""

    __tablename__ = "enforcement_reads"
    # (one index serves the redeliveries, "last seen" and an alert's reads: each index more
    # is written at thousands of reads a second)
    __table_args__ = (sa.UniqueConstraint("plate", "seen_at", "camera"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    camera: Mapped[str] = mapped_column(sa.String(64))
    plate: Mapped[str] = mapped_column(sa.String(16))
    seen_at: Mapped[dt.datetime] = mapped_column(UTCDateTime)
    colour: Mapped[str] = mapped_column(sa.String(16))
    latitude: Mapped[float]
    longitude: Mapped[float]
    image_ref: Mapped[str | None] = mapped_column(sa.String(300))
    received_at: Mapped[dt.datetime] = mapped_column(UTCDateTime)
    result: Mapped[Result] = mapped_column(enum_column(Result))
    # Licensed: the certificate's platform. Suspected: the platforms seen in the feed.
    platform_code: Mapped[str | None] = mapped_column(sa.String(40))
    companies: Mapped[str | None] = mapped_column(sa.String(200))
    blacklisted: Mapped[bool] = mapped_column(default=False)
    alert_id: Mapped[int | None] = mapped_column(sa.ForeignKey("enforcement_alerts.id"))

    alert: Mapped[CameraAlert | None] = relationship()


class RejectedRead(Base):
    """A message on a camera topic that is not a read (bad JSON, a malformed plate, a time
    in the future…): kept for the camera vendor's engineers, acknowledged, not classified."""

    __tablename__ = "enforcement_rejected_reads"

    id: Mapped[int] = mapped_column(primary_key=True)
    topic: Mapped[str] = mapped_column(sa.String(200))
    reason: Mapped[str] = mapped_column(sa.String(300))
    payload: Mapped[str] = mapped_column(sa.String(1000))  # (the first 1,000 characters)
    received_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow, index=True)
