"""The audit log: every state change, append-only, each entry chained to the one before."""

from __future__ import annotations

import datetime as dt

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

from backend.db import Base, UTCDateTime


class AuditEntry(Base):
    """Indexed for what is asked of it: one object's history (``object_type``, ``object_id``).
    Not on ``hash`` (the chain is checked by recomputing it, in id order) or ``action``: every
    decision adds about seven entries, and each index on a value that is not increasing puts
    them on pages all over its tree, each page written to the log again at every commit."""

    __tablename__ = "audit_entries"
    __table_args__ = (sa.Index("ix_audit_entries_object", "object_type", "object_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    at: Mapped[dt.datetime] = mapped_column(UTCDateTime)
    actor: Mapped[str] = mapped_column(sa.String(120))
    action: Mapped[str] = mapped_column(sa.String(80))
    object_type: Mapped[str] = mapped_column(sa.String(40))
    object_id: Mapped[str] = mapped_column(sa.String(80))
    before: Mapped[dict | None] = mapped_column(sa.JSON)
    after: Mapped[dict | None] = mapped_column(sa.JSON)
    prev_hash: Mapped[str] = mapped_column(sa.String(64))
    hash: Mapped[str] = mapped_column(sa.String(64))
