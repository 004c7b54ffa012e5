"""Credit records (失信记录), their evidence, the list entries they lead to (重点关注名单,
黑名单) and the credit grades computed each year or on demand.

A record is a finding against one subject: a platform company (by its 统一社会信用代码), one of
its managers or a driver (by ID number), or a vehicle (by plate). Nothing is deleted: a record
overturned on appeal, or an entry ended by an accepted correction, keeps its row with the time
and reason it ended; every step is audited.
"""

from __future__ import annotations

import datetime as dt
import enum

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from backend.credit.catalogue import ListKind, Severity, SubjectKind
from backend.db import Base, UTCDateTime, enum_column, utcnow


class Source(enum.StrEnum):
    MANUAL = "manual"  # a clerk, or an officer on patrol
    HOTLINE = "hotline"  # an upheld 12328 complaint
    PLATFORM_PUNISH = "platform_punish"  # the data feed's ratedDriverPunish
    REVOCATION = "revocation"  # a certificate revoked (its validity history)
    DATA_QUALITY = "data_quality"  # a platform's data below the quality required


class RecordState(enum.StrEnum):
    IN_FORCE = "in_force"
    OVERTURNED = "overturned"  # the subject's appeal was upheld: as if never recorded


class Role(enum.StrEnum):
    """A manager's position in the company (失信联合惩戒对象 include them by name)."""

    LEGAL_REPRESENTATIVE = "legal_representative"
    MAIN_RESPONSIBLE = "main_responsible"
    DIRECTLY_RESPONSIBLE = "directly_responsible"


class EndReason(enum.StrEnum):
    MOVED_TO_BLACKLIST = "moved_to_blacklist"  # not corrected within the watch period
    CORRECTED = "corrected"  # the subject's correction (整改) accepted
    APPEAL_UPHELD = "appeal_upheld"  # the record was overturned
    EXPIRED = "expired"  # the blacklist term ran out


class CreditRecord(Base):
    __tablename__ = "credit_records"
    __table_args__ = (sa.UniqueConstraint("source", "source_ref"),
                      sa.Index("ix_credit_records_subject", "subject_kind", "subject_key"))
    __log_key__ = "number"

    id: Mapped[int] = mapped_column(primary_key=True)
    number: Mapped[str] = mapped_column(sa.String(24), unique=True)
    behaviour_code: Mapped[str] = mapped_column(sa.String(60))
    subject_kind: Mapped[SubjectKind] = mapped_column(enum_column(SubjectKind))
    subject_key: Mapped[str] = mapped_column(sa.String(40))
    subject_name: Mapped[str] = mapped_column(sa.String(200))
    # A manager's company (its 统一社会信用代码) and position; a platform's own code in the
    # register, when it has one (its feed shows the records about it and its managers).
    company_uscc: Mapped[str | None] = mapped_column(sa.String(18), index=True)
    role: Mapped[Role | None] = mapped_column(enum_column(Role, 30))
    person_id: Mapped[int | None] = mapped_column(sa.ForeignKey("people.id"), index=True)
    severity: Mapped[Severity] = mapped_column(enum_column(Severity, 24))
    facts: Mapped[str] = mapped_column(sa.Text)
    decision_number: Mapped[str | None] = mapped_column(sa.String(80))
    occurred_on: Mapped[dt.date] = mapped_column(index=True)
    source: Mapped[Source] = mapped_column(enum_column(Source, 24))
    # What the record came from: a ticket number, a certificate change, a feed record's key.
    source_ref: Mapped[str | None] = mapped_column(sa.String(160))
    recorded_by: Mapped[str] = mapped_column(sa.String(120))
    recorded_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)
    state: Mapped[RecordState] = mapped_column(enum_column(RecordState), default=RecordState.IN_FORCE)
    overturned_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)
    overturn_reason: Mapped[str | None] = mapped_column(sa.String(500))

    evidence: Mapped[list[Evidence]] = relationship(back_populates="record",
                                                    order_by="Evidence.id")
    entries: Mapped[list[ListEntry]] = relationship(back_populates="record",
                                                    order_by="ListEntry.id")


class Evidence(Base):
    """A file proving a record (a photo, the decision document): PDF, JPEG or PNG by content,
    size limited, kept like applicants' materials (mode 0600, SHA-256 checked on reading)."""

    __tablename__ = "credit_evidence"

    id: Mapped[int] = mapped_column(primary_key=True)
    record_id: Mapped[int] = mapped_column(sa.ForeignKey("credit_records.id"), index=True)
    filename: Mapped[str] = mapped_column(sa.String(200))
    content_type: Mapped[str] = mapped_column(sa.String(40))
    size: Mapped[int]
    sha256: Mapped[str] = mapped_column(sa.String(64))
    stored_name: Mapped[str] = mapped_column(sa.String(80), unique=True)
    uploaded_by: Mapped[str] = mapped_column(sa.String(120))
    uploaded_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)

    record: Mapped[CreditRecord] = relationship(back_populates="evidence")


class ListEntry(Base):
    """A subject's time on one list because of one record: from ``started_at`` until it ends
    (``ended_at`` and ``end_reason``). ``review_on`` is when it is looked at again: a watch
    entry moves to the blacklist then unless corrected; a blacklist entry ends then
    (``EXPIRED``) unless a review keeps it."""

    __tablename__ = "credit_list_entries"
    __table_args__ = (sa.Index("ix_credit_list_entries_subject", "subject_kind", "subject_key"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    record_id: Mapped[int] = mapped_column(sa.ForeignKey("credit_records.id"), index=True)
    list_kind: Mapped[ListKind] = mapped_column(enum_column(ListKind))
    subject_kind: Mapped[SubjectKind] = mapped_column(enum_column(SubjectKind))
    subject_key: Mapped[str] = mapped_column(sa.String(40))
    started_at: Mapped[dt.datetime] = mapped_column(UTCDateTime)
    review_on: Mapped[dt.date]
    ended_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)
    end_reason: Mapped[EndReason | None] = mapped_column(enum_column(EndReason, 24))
    end_note: Mapped[str | None] = mapped_column(sa.String(500))
    reviewed_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)
    review_note: Mapped[str | None] = mapped_column(sa.String(500))
    # A blacklist entry that followed an uncorrected watch entry names it.
    previous_id: Mapped[int | None] = mapped_column(sa.ForeignKey("credit_list_entries.id"))

    record: Mapped[CreditRecord] = relationship(back_populates="entries")

    def in_force_at(self, moment: dt.datetime) -> bool:
        return self.started_at <= moment and (self.ended_at is None or moment < self.ended_at)


class Grade(Base):
    """A subject's service-quality credit grade for a year (``period`` ``2026``) or as of a day
    (``period`` ``2026-12-06``), with the breakdown that produced it. Recomputing replaces it."""

    __tablename__ = "credit_grades"
    __table_args__ = (sa.UniqueConstraint("subject_kind", "subject_key", "period"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    subject_kind: Mapped[SubjectKind] = mapped_column(enum_column(SubjectKind))
    subject_key: Mapped[str] = mapped_column(sa.String(40))
    subject_name: Mapped[str] = mapped_column(sa.String(200))
    period: Mapped[str] = mapped_column(sa.String(10))
    first_day: Mapped[dt.date]
    last_day: Mapped[dt.date]
    grade: Mapped[str] = mapped_column(sa.String(8))
    score: Mapped[float]
    breakdown: Mapped[dict] = mapped_column(sa.JSON)
    computed_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)
    computed_by: Mapped[str] = mapped_column(sa.String(120))
