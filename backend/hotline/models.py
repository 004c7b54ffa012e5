"""12328 tickets (工单), the units that handle them, their history, and the answers an agent
gives at once.

A ticket is taken in (受理) on a channel, routed by the rules in ``routing.json`` to a bureau
unit, a platform company or the agent, handled, replied to, called back (回访) and closed; a
dissatisfied caller reopens it once, to a higher level. Every step is a :class:`TicketEvent`
and an audit entry; nothing is deleted.
"""

from __future__ import annotations

import datetime as dt
import enum

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from backend.db import Base, UTCDateTime, enum_column, utcnow


class Kind(enum.StrEnum):
    CONSULTATION = "consultation"
    HELP = "help"
    SUGGESTION = "suggestion"
    COMPLAINT = "complaint"
    REPORT = "report"
    PRAISE = "praise"

    @property
    def label(self) -> str:
        return KIND_LABELS[self]


KIND_LABELS = {Kind.CONSULTATION: "咨询 Consultation", Kind.HELP: "求助 Help",
               Kind.SUGGESTION: "建议 Suggestion", Kind.COMPLAINT: "投诉 Complaint",
               Kind.REPORT: "举报 Report", Kind.PRAISE: "表扬 Praise"}


class Subject(enum.StrEnum):
    """What a ticket is about."""

    PLATFORM = "platform"
    DRIVER = "driver"
    VEHICLE = "vehicle"
    BUREAU = "bureau"  # the bureau's own service: a matter, a window, the app, a kiosk


class TicketChannel(enum.StrEnum):
    PHONE = "phone"  # taken in by a hotline agent
    APP = "app"
    KIOSK = "kiosk"
    FEED = "feed"  # a platform's ratedPassengerComplaint


class TicketState(enum.StrEnum):
    OPEN = "open"  # taken in and routed; the assignee is handling it
    REPLIED = "replied"  # the caller has the answer; the call-back is due
    CLOSED = "closed"


class Satisfaction(enum.StrEnum):
    SATISFIED = "satisfied"
    BASICALLY_SATISFIED = "basically_satisfied"
    DISSATISFIED = "dissatisfied"


SATISFACTION_LABELS = {Satisfaction.SATISFIED: "满意 Satisfied",
                       Satisfaction.BASICALLY_SATISFIED: "基本满意 Basically satisfied",
                       Satisfaction.DISSATISFIED: "不满意 Dissatisfied"}


class Assignee(enum.StrEnum):
    UNIT = "unit"  # a unit of the bureau
    PLATFORM = "platform"  # a platform company, answering through its login or feed
    AGENT = "agent"  # answered by the hotline agent at once


class UnitMember(Base):
    """A staff account that handles its unit's tickets in the console (units are named in
    ``routing.json``)."""

    __tablename__ = "hotline_unit_members"

    staff_id: Mapped[int] = mapped_column(sa.ForeignKey("staff_users.id"), primary_key=True)
    unit_code: Mapped[str] = mapped_column(sa.String(40), index=True)


class Ticket(Base):
    __tablename__ = "hotline_tickets"
    __log_key__ = "number"

    id: Mapped[int] = mapped_column(primary_key=True)
    number: Mapped[str] = mapped_column(sa.String(24), unique=True)
    kind: Mapped[Kind] = mapped_column(enum_column(Kind))
    channel: Mapped[TicketChannel] = mapped_column(enum_column(TicketChannel))
    state: Mapped[TicketState] = mapped_column(enum_column(TicketState), index=True)
    # The caller: a signed-in citizen (app, kiosk), or a name and phone an agent wrote down.
    person_id: Mapped[int | None] = mapped_column(sa.ForeignKey("people.id"), index=True)
    caller_name: Mapped[str | None] = mapped_column(sa.String(50))
    caller_phone: Mapped[str | None] = mapped_column(sa.String(20))
    subject: Mapped[Subject] = mapped_column(enum_column(Subject))
    # The platform's code, a plate, a driver certificate number or the bureau's service named.
    subject_ref: Mapped[str | None] = mapped_column(sa.String(60), index=True)
    matter_code: Mapped[str | None] = mapped_column(sa.String(40))
    # The platform the ride was booked on, when named: its statistics count upheld complaints.
    platform: Mapped[str | None] = mapped_column(sa.String(40), index=True)
    # A complaint from a platform's feed: CompanyId, OrderId and ComplaintTime (a resent record
    # finds its ticket instead of opening another).
    external_ref: Mapped[str | None] = mapped_column(sa.String(120), unique=True)
    text: Mapped[str] = mapped_column(sa.Text)
    # Routing (rule id from routing.json) and who handles it now.
    rule: Mapped[str] = mapped_column(sa.String(40))
    assignee_kind: Mapped[Assignee] = mapped_column(enum_column(Assignee))
    assignee: Mapped[str | None] = mapped_column(sa.String(40), index=True)
    level: Mapped[int] = mapped_column(default=0)  # 0 first handling; +1 each reopen
    # Deadlines (working days from the day it was taken in; moved by an approved extension).
    acknowledge_by: Mapped[dt.date]
    handle_by: Mapped[dt.date]
    reply_by: Mapped[dt.date]
    deadline_known: Mapped[bool] = mapped_column(default=True)
    acknowledged_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)
    handled_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)
    finding: Mapped[str | None] = mapped_column(sa.Text)  # the handler's result
    upheld: Mapped[bool | None]  # complaints and reports: was it founded (投诉成立)?
    replied_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)
    reply: Mapped[str | None] = mapped_column(sa.Text)
    satisfaction: Mapped[Satisfaction | None] = mapped_column(enum_column(Satisfaction, 24))
    called_back_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)
    closed_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)
    reopened: Mapped[int] = mapped_column(default=0)
    escalated_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)
    reminded_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)
    # A requested extension waits for approval; the reason stays in the history.
    extension_days: Mapped[int | None]
    extension_reason: Mapped[str | None] = mapped_column(sa.String(500))
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow, index=True)
    row_version: Mapped[int] = mapped_column(default=1)

    events: Mapped[list[TicketEvent]] = relationship(
        back_populates="ticket", order_by="TicketEvent.id", cascade="all, delete-orphan")

    __mapper_args__ = {"version_id_col": row_version}


class TicketEvent(Base):
    """One step of a ticket, as the caller and staff see it in its history."""

    __tablename__ = "hotline_ticket_events"

    id: Mapped[int] = mapped_column(primary_key=True)
    ticket_id: Mapped[int] = mapped_column(sa.ForeignKey("hotline_tickets.id"), index=True)
    at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)
    actor: Mapped[str] = mapped_column(sa.String(120))
    action: Mapped[str] = mapped_column(sa.String(40))
    note: Mapped[str | None] = mapped_column(sa.Text)
    # Shown to the caller (routing, replies) or kept for staff (internal notes, escalations).
    public: Mapped[bool] = mapped_column(default=True)

    ticket: Mapped[Ticket] = relationship(back_populates="events")


class KnowledgeAnswer(Base):
    """An answer the agent reads out for a consultation (知识库), maintained by the bureau."""

    __tablename__ = "hotline_answers"

    code: Mapped[str] = mapped_column(sa.String(40), primary_key=True)
    question: Mapped[str] = mapped_column(sa.String(200))
    answer: Mapped[str] = mapped_column(sa.Text)
    matter_code: Mapped[str | None] = mapped_column(sa.String(40))
