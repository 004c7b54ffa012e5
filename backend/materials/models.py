"""An uploaded file: who uploaded it for which company, its type, size and SHA-256. The bytes
live under ``MATERIALS_DIR`` (``instance/materials`` by default), never in the database. An
application names the materials it was submitted with (id and hash) in its inputs."""

from __future__ import annotations

import datetime as dt

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from backend.db import Base, UTCDateTime, utcnow
from backend.identity.models import Company, Person


class Material(Base):
    __tablename__ = "materials"

    id: Mapped[int] = mapped_column(primary_key=True)
    company_id: Mapped[int] = mapped_column(sa.ForeignKey("companies.id"), index=True)
    uploaded_by_id: Mapped[int] = mapped_column(sa.ForeignKey("people.id"))
    filename: Mapped[str] = mapped_column(sa.String(200))
    content_type: Mapped[str] = mapped_column(sa.String(40))  # (from the content, not the name)
    size: Mapped[int]
    sha256: Mapped[str] = mapped_column(sa.String(64))
    stored_name: Mapped[str] = mapped_column(sa.String(80), unique=True)
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)

    company: Mapped[Company] = relationship()
    uploaded_by: Mapped[Person] = relationship()
