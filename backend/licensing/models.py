"""Applications (办件), their state history and the rule results a decision is made of."""

from __future__ import annotations

import dataclasses
import datetime as dt
import enum
from typing import TYPE_CHECKING

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from backend.certificates.models import Certificate
from backend.db import Base, UTCDateTime, enum_column, utcnow
from backend.identity.models import Person
from backend.matters.models import Matter

if TYPE_CHECKING:
    from backend.mailing.models import MailingItem


class State(enum.StrEnum):
    SUBMITTED = "submitted"
    CHECKING = "checking"
    REJECTED = "rejected"
    AWAITING_EXAM = "awaiting_exam"
    AWAITING_REVIEW = "awaiting_review"
    AWAITING_PROVINCE = "awaiting_province"
    APPROVED = "approved"
    ISSUED = "issued"
    WITHDRAWN = "withdrawn"


class Channel(enum.StrEnum):
    APP = "app"
    KIOSK = "kiosk"
    COUNTER = "counter"


class Outcome(enum.StrEnum):
    PASS = "pass"
    FAIL = "fail"
    UNKNOWN = "unknown"


class Application(Base):
    __tablename__ = "applications"
    __table_args__ = (sa.UniqueConstraint("applicant_id", "idempotency_key"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    number: Mapped[str] = mapped_column(sa.String(32), unique=True)
    matter_code: Mapped[str] = mapped_column(sa.ForeignKey("matters.code"))
    # (looked up through the unique key it comes first in)
    applicant_id: Mapped[int] = mapped_column(sa.ForeignKey("people.id"))
    channel: Mapped[Channel] = mapped_column(enum_column(Channel, 24))
    state: Mapped[State] = mapped_column(enum_column(State, 24), index=True)
    inputs: Mapped[dict] = mapped_column(sa.JSON, default=dict)
    phone: Mapped[str | None] = mapped_column(sa.String(20))
    mailing_address: Mapped[dict | None] = mapped_column(sa.JSON)
    # Set while the application is open: a second open one for the same subject collides here,
    # so "one open application per person and matter" holds even under concurrent requests.
    open_key: Mapped[str | None] = mapped_column(sa.String(120), unique=True)
    idempotency_key: Mapped[str | None] = mapped_column(sa.String(100))
    request_hash: Mapped[str | None] = mapped_column(sa.String(64))
    certificate_id: Mapped[int | None] = mapped_column(sa.ForeignKey("certificates.id"))
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)
    decided_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)

    matter: Mapped[Matter] = relationship(lazy="joined")
    applicant: Mapped[Person] = relationship()
    certificate: Mapped[Certificate | None] = relationship()
    # History and results are written by ``backend.licensing.operations`` in one statement per
    # decision (never through these collections, which it keeps in step in memory): no
    # save-update cascade, so attaching an application never inserts them a second time.
    events: Mapped[list[ApplicationEvent]] = relationship(
        back_populates="application", order_by="ApplicationEvent.id", cascade="merge"
    )
    rule_results: Mapped[list[RuleResult]] = relationship(
        back_populates="application", order_by="RuleResult.id", cascade="merge"
    )
    # The certificate's way through the post, oldest first (``backend.mailing`` writes them and
    # keeps this in step in memory for an application it has just queued).
    mailing_items: Mapped[list[MailingItem]] = relationship(order_by="MailingItem.id",
                                                            viewonly=True)


class ApplicationEvent(Base):
    """One state transition: the application's history as the applicant sees it."""

    __tablename__ = "application_events"

    id: Mapped[int] = mapped_column(primary_key=True)
    application_id: Mapped[int] = mapped_column(sa.ForeignKey("applications.id"), index=True)
    from_state: Mapped[State | None] = mapped_column(enum_column(State, 24))
    to_state: Mapped[State] = mapped_column(enum_column(State, 24))
    at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)
    actor: Mapped[str] = mapped_column(sa.String(120))
    reason: Mapped[str | None] = mapped_column(sa.Text)

    application: Mapped[Application] = relationship(back_populates="events")


class RuleResult(Base):
    """What one rule said on one run of the checks, with the facts and source queries it used."""

    __tablename__ = "rule_results"

    id: Mapped[int] = mapped_column(primary_key=True)
    application_id: Mapped[int] = mapped_column(sa.ForeignKey("applications.id"), index=True)
    run: Mapped[int] = mapped_column(default=1)
    rule: Mapped[str] = mapped_column(sa.String(40))
    outcome: Mapped[Outcome] = mapped_column(enum_column(Outcome, 24))
    reason: Mapped[str | None] = mapped_column(sa.String(300))
    reason_en: Mapped[str | None] = mapped_column(sa.String(300))
    facts: Mapped[dict] = mapped_column(sa.JSON, default=dict)
    query_ids: Mapped[list] = mapped_column(sa.JSON, default=list)
    evaluated_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)

    application: Mapped[Application] = relationship(back_populates="rule_results")


@dataclasses.dataclass(slots=True)
class WrittenEvent:
    """A history row this request wrote, as the application's ``events`` hold it in memory."""

    application_id: int | None
    from_state: State | None
    to_state: State
    at: dt.datetime
    actor: str
    reason: str | None


@dataclasses.dataclass(slots=True)
class WrittenResult:
    """A rule result this request wrote, as ``rule_results`` hold it in memory. Change one
    only through ``backend.licensing.operations.amend_result``."""

    application_id: int | None
    run: int
    rule: str
    outcome: Outcome
    reason: str | None
    reason_en: str | None
    facts: dict
    query_ids: list
    evaluated_at: dt.datetime


class Counter(Base):
    """Named gapless counters (application numbers per day, certificate numbers).

    Incremented with ``UPDATE … RETURNING`` so concurrent transactions queue on the row lock
    and a rolled-back transaction gives its number back: no gaps, no duplicates.
    """

    __tablename__ = "counters"

    name: Mapped[str] = mapped_column(sa.String(80), primary_key=True)
    value: Mapped[int] = mapped_column(sa.BigInteger, default=0)
