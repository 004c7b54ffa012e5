"""Applications (办件), their state history and the rule results a decision is made of."""

from __future__ import annotations

import datetime as dt
import enum
from typing import TYPE_CHECKING

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, orm_insert_sentinel, relationship

from backend.certificates.models import Certificate
from backend.db import Base, UTCDateTime, enum_column, utcnow
from backend.identity.models import Company, Person
from backend.matters.models import Matter
from backend.matters.registry import Channel

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


#: How a state reads (Chinese, English), wherever a person is told it.
STATE_NAMES: dict[State, tuple[str, str]] = {
    State.SUBMITTED: ("已提交", "submitted"),
    State.CHECKING: ("核验中", "checking"),
    State.REJECTED: ("不予许可", "rejected"),
    State.AWAITING_EXAM: ("待考试", "awaiting the exam"),
    State.AWAITING_REVIEW: ("待人工审核", "awaiting review"),
    State.AWAITING_PROVINCE: ("待省厅办理", "awaiting the province"),
    State.APPROVED: ("已批准", "approved"),
    State.ISSUED: ("已发证", "issued"),
    State.WITHDRAWN: ("已撤回", "withdrawn"),
}


class Outcome(enum.StrEnum):
    PASS = "pass"
    FAIL = "fail"
    UNKNOWN = "unknown"


class Application(Base):
    """Changed by one request at a time: ``row_version`` makes a concurrent change (two clerks
    deciding at once) fail with 409 instead of overwriting (``backend.errors``)."""

    __tablename__ = "applications"
    __table_args__ = (sa.UniqueConstraint("applicant_id", "idempotency_key"),)
    __log_key__ = "number"  # (how the audit and query logs name an application)

    id: Mapped[int] = mapped_column(primary_key=True)
    number: Mapped[str] = mapped_column(sa.String(32), unique=True)
    matter_code: Mapped[str] = mapped_column(sa.ForeignKey("matters.code"))
    # (looked up through the unique key it comes first in)
    applicant_id: Mapped[int] = mapped_column(sa.ForeignKey("people.id"))
    # A company's application (法人): the applicant is the person who acted for it, and the
    # application is the company's (every person acting for it sees it, nobody else).
    company_id: Mapped[int | None] = mapped_column(sa.ForeignKey("companies.id"), index=True)
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
    row_version: Mapped[int] = mapped_column(default=1)

    matter: Mapped[Matter] = relationship(lazy="joined")
    applicant: Mapped[Person] = relationship()
    company: Mapped[Company | None] = relationship()
    certificate: Mapped[Certificate | None] = relationship()
    events: Mapped[list[ApplicationEvent]] = relationship(
        back_populates="application", order_by="ApplicationEvent.id")
    rule_results: Mapped[list[RuleResult]] = relationship(
        back_populates="application", order_by="RuleResult.id")
    # The certificate's way through the post, oldest first.
    mailing_items: Mapped[list[MailingItem]] = relationship(
        back_populates="application", order_by="MailingItem.id")

    __mapper_args__ = {"version_id_col": row_version}


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
    _sentinel: Mapped[int] = orm_insert_sentinel()

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
    _sentinel: Mapped[int] = orm_insert_sentinel()

    application: Mapped[Application] = relationship(back_populates="rule_results")


class RecheckRun(Base):
    """One run of the regular re-check (常态化比对, ``flask licensing recheck``) and its report:
    holders of a driver certificate and transport certificates (vehicles) checked, new failures
    by rule (``drv.…`` a driver's, ``veh.…`` a vehicle's), alerts raised, sources that did not
    answer."""

    __tablename__ = "recheck_runs"

    id: Mapped[int] = mapped_column(primary_key=True)
    scope: Mapped[str] = mapped_column(sa.String(10))  # "all" or "due"
    actor: Mapped[str] = mapped_column(sa.String(80))
    started_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)
    finished_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)
    holders: Mapped[int] = mapped_column(default=0)  # to check when the run began
    checked: Mapped[int] = mapped_column(default=0)
    # Holders of whom at least one source did not answer (the rules it feeds left as they were).
    incomplete: Mapped[int] = mapped_column(default=0)
    # The same for transport certificates in force (each its vehicle's).
    vehicles: Mapped[int] = mapped_column(default=0)
    vehicles_checked: Mapped[int] = mapped_column(default=0)
    vehicles_incomplete: Mapped[int] = mapped_column(default=0)
    new_failures: Mapped[dict] = mapped_column(sa.JSON, default=dict)  # rule -> count
    alerts_raised: Mapped[int] = mapped_column(default=0)
    # Alerts the alert path refused (rule -> count): tried again on the next run.
    alerts_refused: Mapped[dict] = mapped_column(sa.JSON, default=dict)
    # source -> holders and vehicles it left unchecked
    unreachable: Mapped[dict] = mapped_column(sa.JSON, default=dict)


class RecheckHolder(Base):
    """Where the re-check left a holder: when last checked in full, and the failures already
    turned into alerts (a failure is raised once, when it first appears)."""

    __tablename__ = "recheck_holders"

    person_id: Mapped[int] = mapped_column(sa.ForeignKey("people.id"), primary_key=True)
    # The last run that could ask every source about the holder (None: never in full).
    checked_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime, index=True)
    last_run_id: Mapped[int] = mapped_column(sa.ForeignKey("recheck_runs.id"))
    # The failures known: ``rule`` or, for a police record, ``rule:category:recorded_on``.
    failing: Mapped[list] = mapped_column(sa.JSON, default=list)


class RecheckVehicle(Base):
    """Where the re-check left a transport certificate (by its number, which its reissues and
    renewals keep), as :class:`RecheckHolder` for a holder: when last checked in full, and the
    failures already turned into alerts."""

    __tablename__ = "recheck_vehicles"

    certificate_number: Mapped[str] = mapped_column(sa.String(60), primary_key=True)
    checked_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime, index=True)
    last_run_id: Mapped[int] = mapped_column(sa.ForeignKey("recheck_runs.id"))
    # The failures known: ``rule:what`` (``veh.insurance:2026-11-30``, the policy's last day).
    failing: Mapped[list] = mapped_column(sa.JSON, default=list)
