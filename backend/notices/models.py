"""The notice outbox: one row per notice to one platform.

A notice is written when the change of status commits, numbered from a gapless counter in
commit order (``backend.audit.chain``: the row is a hash-chained log entry, so its id is also
the feed's cursor and a notice can neither be lost between two commits nor altered after).
Its delivery is kept beside it: acknowledged (by the platform's callback answering 2xx, or by
the platform reading the feed past it), attempts, the last error and when to try again.
"""

from __future__ import annotations

import datetime as dt

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

from backend.db import Base, UTCDateTime


class PlatformNotice(Base):
    __tablename__ = "platform_notices"
    __table_args__ = (
        # The worker's question: what is due, per platform, oldest first.
        sa.Index("ix_platform_notices_pending", "platform_code", "delivered_at", "id"),
    )

    # From the counter at the commit: the feed's cursor (``after=<id>``).
    id: Mapped[int] = mapped_column(primary_key=True, autoincrement=False)
    # What a platform deduplicates by (UUIDv7): the same notice resent has the same one.
    notice_id: Mapped[str] = mapped_column(sa.String(36), unique=True)
    platform_code: Mapped[str] = mapped_column(sa.ForeignKey("platforms.code"))
    certificate_id: Mapped[int] = mapped_column(sa.ForeignKey("certificates.id"), index=True)
    # ``driver:<number>`` or ``transport:<number>``: notices of one subject are delivered in
    # order (a reinstatement never overtakes its suspension), whatever the version.
    subject: Mapped[str] = mapped_column(sa.String(80))
    event: Mapped[str] = mapped_column(sa.String(20))
    # The notice as the platform receives it (``backend.notices.operations.payload``).
    payload: Mapped[dict] = mapped_column(sa.JSON)
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime)
    prev_hash: Mapped[str] = mapped_column(sa.String(64))
    hash: Mapped[str] = mapped_column(sa.String(64))

    delivered_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)
    delivered_by: Mapped[str | None] = mapped_column(sa.String(10))  # "callback" or "feed"
    attempts: Mapped[int] = mapped_column(default=0)
    # Not tried before this (the backoff after a failure; a worker's claim while it sends).
    next_attempt_at: Mapped[dt.datetime] = mapped_column(UTCDateTime)
    last_error: Mapped[str | None] = mapped_column(sa.String(300))
