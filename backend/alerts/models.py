"""Police alerts (预警信息), the suspensions they cause, and the holder's objections.

An :class:`Alert` is one piece of warning information about a person, kept whatever it led to
(the driver rules read it on the person's next application). An alert about the holder of a
valid driver certificate suspends it: a :class:`Suspension` then stays ``open`` until a clerk
revokes the certificate (吊销) or reinstates it, with the objection the holder may file
(:class:`ObjectionFile` for its attachments) and the deadlines in working days.

The regular re-check also finds vehicles that no longer meet a condition of their transport
certificate (insurance lapsed, …): such an alert names the vehicle's ``plate`` and suspends its
owner's transport certificate the same way.
"""

from __future__ import annotations

import datetime as dt
import enum

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from backend.certificates.models import Certificate, Kind
from backend.db import Base, UTCDateTime, enum_column, utcnow
from backend.identity.models import Person


class Outcome(enum.StrEnum):
    """What an alert did when it arrived."""

    SUSPENDED = "suspended"  # the person's valid driver (or the vehicle's transport) certificate
    ALREADY_SUSPENDED = "already_suspended"  # suspended by an earlier alert, still undecided
    NO_CERTIFICATE = "no_certificate"  # nothing in force: kept for later applications


class Alert(Base):
    __tablename__ = "police_alerts"
    __table_args__ = (sa.UniqueConstraint("source", "reference"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    source: Mapped[str] = mapped_column(sa.String(40))
    reference: Mapped[str] = mapped_column(sa.String(80))
    id_number: Mapped[str] = mapped_column(sa.String(18), index=True)
    # the person, when they are known to the service (they may apply only later)
    person_id: Mapped[int | None] = mapped_column(sa.ForeignKey("people.id"), index=True)
    # The certificate it is about: the person's driver certificate (every police alert), or the
    # transport certificate of the vehicle with ``plate`` (set only then) that the person holds.
    certificate_kind: Mapped[Kind] = mapped_column(enum_column(Kind), default=Kind.DRIVER)
    plate: Mapped[str | None] = mapped_column(sa.String(16))
    category: Mapped[str] = mapped_column(sa.String(40))
    recorded_on: Mapped[dt.date]
    detail: Mapped[str] = mapped_column(sa.Text)
    received_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)
    actor: Mapped[str] = mapped_column(sa.String(80))
    outcome: Mapped[Outcome] = mapped_column(enum_column(Outcome))
    # Set when a clerk reinstated the certificate because the alert does not stand: the driver
    # rules no longer read it.
    dismissed_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)

    person: Mapped[Person | None] = relationship()
    suspension: Mapped[Suspension | None] = relationship(back_populates="alert")


class State(enum.StrEnum):
    OPEN = "open"  # suspended, waiting for the clerk's decision
    REVOKED = "revoked"  # 吊销: the certificate ended
    REINSTATED = "reinstated"  # the suspension lifted: the same certificate in force again


class Suspension(Base):
    """One suspension of one certificate, from the alert to the clerk's decision.

    ``object_by``: the last day the holder may object; ``decide_by``: the last day the clerk
    should decide (both counted in working days from the day of the suspension)."""

    __tablename__ = "certificate_suspensions"

    id: Mapped[int] = mapped_column(primary_key=True)
    alert_id: Mapped[int] = mapped_column(sa.ForeignKey("police_alerts.id"), unique=True)
    certificate_id: Mapped[int] = mapped_column(sa.ForeignKey("certificates.id"), index=True)
    holder_id: Mapped[int] = mapped_column(sa.ForeignKey("people.id"), index=True)
    suspended_at: Mapped[dt.datetime] = mapped_column(UTCDateTime)
    object_by: Mapped[dt.date]
    decide_by: Mapped[dt.date]
    state: Mapped[State] = mapped_column(enum_column(State), index=True)
    objection: Mapped[str | None] = mapped_column(sa.Text)
    objected_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)
    decided_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)
    decided_by: Mapped[str | None] = mapped_column(sa.String(80))
    decision_reason: Mapped[str | None] = mapped_column(sa.String(500))
    legal_basis: Mapped[str | None] = mapped_column(sa.String(300))
    row_version: Mapped[int] = mapped_column(default=1)

    alert: Mapped[Alert] = relationship(back_populates="suspension")
    certificate: Mapped[Certificate] = relationship()
    holder: Mapped[Person] = relationship()
    files: Mapped[list[ObjectionFile]] = relationship(back_populates="suspension",
                                                      order_by="ObjectionFile.id")

    # (two clerks deciding at once: the later gets 409)
    __mapper_args__ = {"version_id_col": row_version}


class ObjectionFile(Base):
    """An attachment the holder uploaded for an objection (PDF, JPEG or PNG, size limited as a
    material is); ``suspension`` is set when the objection that names it is filed. The bytes
    live under ``MATERIALS_DIR``, never in the database."""

    __tablename__ = "suspension_objection_files"

    id: Mapped[int] = mapped_column(primary_key=True)
    person_id: Mapped[int] = mapped_column(sa.ForeignKey("people.id"), index=True)
    suspension_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("certificate_suspensions.id"), index=True)
    filename: Mapped[str] = mapped_column(sa.String(200))
    content_type: Mapped[str] = mapped_column(sa.String(40))
    size: Mapped[int]
    sha256: Mapped[str] = mapped_column(sa.String(64))
    stored_name: Mapped[str] = mapped_column(sa.String(80), unique=True)
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)

    person: Mapped[Person] = relationship()
    suspension: Mapped[Suspension | None] = relationship(back_populates="files")
