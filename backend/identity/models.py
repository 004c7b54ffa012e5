"""People: the real-name identities that apply for and hold certificates."""

from __future__ import annotations

import datetime as dt

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

from backend.common.masking import mask_id_number
from backend.db import Base, UTCDateTime, utcnow


class Person(Base):
    """A citizen known by the real-name ID number the identity provider or the ID card vouched for."""

    __tablename__ = "people"

    id: Mapped[int] = mapped_column(primary_key=True)
    id_number: Mapped[str] = mapped_column(sa.String(18), unique=True)
    name: Mapped[str] = mapped_column(sa.String(100))
    address: Mapped[str | None] = mapped_column(sa.String(200))
    phone: Mapped[str | None] = mapped_column(sa.String(20))
    last_mailing_address: Mapped[dict | None] = mapped_column(sa.JSON)
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)

    @property
    def id_number_masked(self) -> str:
        return mask_id_number(self.id_number)

    def __repr__(self) -> str:
        return f"<Person {self.id} {self.id_number_masked}>"


class Company(Base):
    """A legal person (法人) the identity provider vouched for, known by its unified social
    credit code; the people who act for it sign in as it (``mobile_api.auth``)."""

    __tablename__ = "companies"

    id: Mapped[int] = mapped_column(primary_key=True)
    uscc: Mapped[str] = mapped_column(sa.String(18), unique=True)
    name: Mapped[str] = mapped_column(sa.String(200))
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)

    def __repr__(self) -> str:
        return f"<Company {self.id} {self.uscc}>"
