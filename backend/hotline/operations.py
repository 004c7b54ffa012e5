"""The 12328 closed loop: take in → route → acknowledge → handle → reply → call back → close,
with a dissatisfied caller reopening a ticket once (configurable) to a higher level.

Every channel (the agent's console, the app, the kiosk, a platform's feed) calls these. Each
step checks the state it needs (409 otherwise), writes a :class:`TicketEvent` and an audit
entry, and flushes; the request or the command commits.
"""

from __future__ import annotations

import datetime as dt

import sqlalchemy as sa

from backend.audit.operations import record
from backend.common.counters import next_value
from backend.common.masking import mask_personal_data
from backend.common.workdays import calendar
from backend.db import db, utcnow
from backend.errors import ApiError
from backend.hotline.models import (
    SATISFACTION_LABELS,
    Assignee,
    Kind,
    KnowledgeAnswer,
    Satisfaction,
    Subject,
    Ticket,
    TicketChannel,
    TicketEvent,
    TicketState,
)
from backend.hotline.routing import Route, routing
from backend.identity.models import Person
from backend.licensing.operations import XIAMEN, today
from backend.notify import operations as notify
from backend.platforms.models import Platform

# Kinds whose handling decides whether the caller was right (投诉成立 / 举报属实).
JUDGED = frozenset({Kind.COMPLAINT, Kind.REPORT})


def _number(day: dt.date) -> str:
    """``12328-20261207-0001``: the day's gapless sequence."""
    return f"12328-{day:%Y%m%d}-{next_value(f'hotline.{day:%Y%m%d}'):04d}"


def _event(ticket: Ticket, actor: str, action: str, note: str | None = None, *,
           public: bool = True) -> None:
    ticket.events.append(TicketEvent(at=utcnow(), actor=actor, action=action, note=note,
                                     public=public))


def _deadlines(ticket: Ticket, start: dt.date) -> None:
    limits, days = routing().limits[ticket.kind], calendar()
    ticket.acknowledge_by = days.add(start, limits["acknowledge"])
    ticket.handle_by = days.add(start, limits["handle"])
    ticket.reply_by = days.add(start, limits["reply"])
    ticket.deadline_known = days.known(ticket.reply_by)


def _assign(ticket: Ticket, route: Route) -> None:
    ticket.rule, ticket.assignee_kind, ticket.assignee = route.rule, route.assignee_kind, route.assignee


def _where(ticket: Ticket) -> str:
    if ticket.assignee_kind == Assignee.AGENT:
        return "12328 热线坐席 the hotline agent"
    if ticket.assignee_kind == Assignee.PLATFORM:
        return f"平台公司 platform {ticket.assignee}"
    unit = routing().units[ticket.assignee]
    return f"{unit.name} {unit.name_en}"


def take_in(kind: Kind, text: str, *, channel: TicketChannel, subject: Subject, actor: str,
            subject_ref: str | None = None, platform: str | None = None,
            matter_code: str | None = None, person: Person | None = None,
            caller_name: str | None = None, caller_phone: str | None = None,
            external_ref: str | None = None) -> Ticket:
    """受理: number the ticket, route it by the rules, set its deadlines."""
    if person is None and not caller_phone and channel != TicketChannel.FEED:
        raise ApiError(422, "请留下来电人的电话，以便答复和回访。",
                       "A phone number is needed to reply and call back.")
    if platform is not None and db.session.get(Platform, platform) is None:
        raise ApiError(422, f"平台登记中没有 {platform}，请核对平台名称或留空。",
                       f"No platform {platform} in the register; check it or leave it out.",
                       errors={"json": {"platform": ["unknown platform"]}})
    ticket = Ticket(kind=kind, channel=channel, state=TicketState.OPEN, subject=subject,
                    subject_ref=subject_ref, matter_code=matter_code, text=text.strip(),
                    person_id=person.id if person else None,
                    caller_name=caller_name or (person.name if person else None),
                    caller_phone=caller_phone, external_ref=external_ref, platform=platform,
                    number=_number(today()))
    _assign(ticket, routing().route(kind, subject, platform))
    _deadlines(ticket, today())
    db.session.add(ticket)
    _event(ticket, actor, "taken_in", f"{kind.label}，转交 routed to {_where(ticket)}")
    record(actor, "ticket.taken_in", "ticket", ticket,
           after={"kind": kind, "channel": channel, "subject": subject, "rule": ticket.rule,
                  "assignee": f"{ticket.assignee_kind}:{ticket.assignee}",
                  "reply_by": ticket.reply_by})
    db.session.flush()  # (its time and first event's are what the caller is shown)
    return ticket


def file_for(person: Person, request: dict, *, channel: TicketChannel, actor: str) -> Ticket:
    """A signed-in citizen's ticket, from a ``TicketRequestSchema`` body (the app, the kiosk):
    the reply goes to the phone given, or the phone on record."""
    return take_in(Kind(request["kind"]), request["text"], channel=channel,
                   subject=Subject(request["subject"]), subject_ref=request.get("subject_ref"),
                   platform=request.get("platform"), matter_code=request.get("matter"),
                   person=person, caller_phone=request.get("phone") or person.phone,
                   actor=actor)


def answer_at_once(ticket: Ticket, answer_code: str, *, actor: str) -> Ticket:
    """A consultation answered by the agent from the knowledge base while the caller waits
    (即时答复): replied and closed in one step."""
    require(ticket, TicketState.OPEN)
    if ticket.assignee_kind != Assignee.AGENT:
        raise ApiError(409, "该工单已转交承办单位，不能即时答复。",
                       "This ticket is with a unit; it cannot be answered at once.")
    answer = db.session.get(KnowledgeAnswer, answer_code)
    if answer is None:
        raise ApiError(422, "知识库中没有这条答复。", f"No answer {answer_code} in the knowledge base.")
    now = utcnow()
    ticket.acknowledged_at = ticket.handled_at = ticket.replied_at = ticket.closed_at = now
    ticket.reply, ticket.finding, ticket.state = answer.answer, f"knowledge:{answer.code}", TicketState.CLOSED
    _event(ticket, actor, "answered", answer.answer)
    record(actor, "ticket.answered_at_once", "ticket", ticket, after={"answer": answer.code})
    return ticket


def acknowledge(ticket: Ticket, *, actor: str) -> Ticket:
    """签收: the assignee confirms it has the ticket."""
    require(ticket, TicketState.OPEN)
    if ticket.acknowledged_at is None:
        ticket.acknowledged_at = utcnow()
        _event(ticket, actor, "acknowledged", f"{_where(ticket)} 已签收 acknowledged")
        record(actor, "ticket.acknowledged", "ticket", ticket)
    return ticket


def handle(ticket: Ticket, finding: str, *, actor: str, upheld: bool | None = None) -> Ticket:
    """办结: the assignee's result. Complaints and reports say whether they were founded."""
    require(ticket, TicketState.OPEN)
    if ticket.kind in JUDGED and upheld is None:
        raise ApiError(422, "请说明投诉/举报是否属实。", "Say whether the complaint was upheld.")
    now = utcnow()
    ticket.acknowledged_at = ticket.acknowledged_at or now
    ticket.handled_at, ticket.finding = now, finding.strip()
    ticket.upheld = upheld if ticket.kind in JUDGED else None
    _event(ticket, actor, "handled", ticket.finding, public=False)
    record(actor, "ticket.handled", "ticket", ticket,
           after={"upheld": ticket.upheld, "on_time": now.astimezone(XIAMEN).date() <= ticket.handle_by})
    return ticket


def platform_answer(ticket: Ticket, platform: str, finding: str, *, actor: str) -> Ticket:
    """A platform's answer to a ticket routed to it (through its company sign-in or its feed's
    ``Result``): recorded as the handling, shown to the caller; whether a complaint was upheld
    is the bureau's to say when it replies."""
    require(ticket, TicketState.OPEN)
    if ticket.assignee_kind != Assignee.PLATFORM or ticket.assignee != platform:
        raise ApiError(404, "未找到该工单。", "No such ticket.")
    if ticket.handled_at is not None:
        raise ApiError(409, "该工单已答复过，如需补充请联系 12328。",
                       "This ticket has been answered; call 12328 to add to it.")
    now = utcnow()
    ticket.acknowledged_at = ticket.acknowledged_at or now
    ticket.handled_at, ticket.finding = now, finding.strip()
    _event(ticket, actor, "platform_answered", ticket.finding)
    record(actor, "ticket.platform_answered", "ticket", ticket,
           after={"on_time": now.astimezone(XIAMEN).date() <= ticket.handle_by})
    return ticket


def from_feed(platform: str, company_id: str, records: list[dict]) -> int:
    """Complaints a platform reports (``ratedPassengerComplaint``) become tickets routed back to
    it; a record resent with its ``Result`` answers the ticket. Returns how many were new."""
    actor, new = f"platform:{platform}", 0
    for complaint in records:
        ref = f"{company_id}:{complaint['OrderId']}:{complaint['ComplaintTime']}"
        ticket = db.session.scalar(sa.select(Ticket).where(Ticket.external_ref == ref))
        if ticket is None:
            ticket = take_in(Kind.COMPLAINT, complaint["Detail"], channel=TicketChannel.FEED,
                             subject=Subject.PLATFORM, subject_ref=complaint["OrderId"],
                             platform=platform, external_ref=ref, actor=actor)
            new += 1
        result = (complaint.get("Result") or "").strip()
        if (result and ticket.state == TicketState.OPEN and ticket.handled_at is None
                and ticket.assignee_kind == Assignee.PLATFORM and ticket.assignee == platform):
            platform_answer(ticket, platform, result, actor=actor)
    return new


def reply(ticket: Ticket, text: str, *, actor: str, upheld: bool | None = None) -> Ticket:
    """答复: the caller is told the facts, what was done and the basis; a phone caller by SMS,
    an app user in the app (and by SMS when a phone is known). A complaint or report a platform
    answered is judged here (``upheld``): the platform does not judge itself."""
    require(ticket, TicketState.OPEN)
    if ticket.handled_at is None and ticket.assignee_kind != Assignee.AGENT:
        raise ApiError(409, "承办单位尚未办结，暂不能答复。",
                       "The unit has not finished handling this ticket yet.")
    if ticket.kind in JUDGED and ticket.upheld is None:
        if upheld is None:
            raise ApiError(422, "请说明投诉/举报是否属实。", "Say whether the complaint was upheld.")
        ticket.upheld = upheld
    now = utcnow()
    ticket.replied_at, ticket.reply, ticket.state = now, text.strip(), TicketState.REPLIED
    ticket.acknowledged_at = ticket.acknowledged_at or now
    ticket.handled_at = ticket.handled_at or now
    _event(ticket, actor, "replied", ticket.reply)
    if ticket.caller_phone:
        notify.text(ticket.caller_phone, _sms(ticket), reference=ticket.number)
    record(actor, "ticket.replied", "ticket", ticket,
           after={"on_time": now.astimezone(XIAMEN).date() <= ticket.reply_by,
                  "sms": bool(ticket.caller_phone), "upheld": ticket.upheld})
    return ticket


def _sms(ticket: Ticket) -> str:
    text = f"【12328】您的工单{ticket.number}已办理：{ticket.reply}"
    return text if len(text) <= 500 else text[:497] + "…"


def call_back(ticket: Ticket, satisfaction: Satisfaction, *, actor: str,
              note: str | None = None) -> Ticket:
    """回访: the caller's view. Dissatisfied reopens the ticket to a higher level while reopens
    are left (``max_reopens``); otherwise the ticket is closed."""
    require(ticket, TicketState.REPLIED)
    now = utcnow()
    ticket.satisfaction, ticket.called_back_at = satisfaction, now
    _event(ticket, actor, "called_back", f"{SATISFACTION_LABELS[satisfaction]}"
           + (f"：{note.strip()}" if note and note.strip() else ""))
    rules = routing()
    if satisfaction == Satisfaction.DISSATISFIED and ticket.reopened < rules.max_reopens:
        _reopen(ticket, actor)
    else:
        ticket.state, ticket.closed_at = TicketState.CLOSED, now
        _event(ticket, actor, "closed", "已办结归档 closed")
    record(actor, "ticket.called_back", "ticket", ticket,
           after={"satisfaction": satisfaction, "state": ticket.state, "level": ticket.level})
    return ticket


def _reopen(ticket: Ticket, actor: str) -> None:
    current = Route(ticket.rule, ticket.assignee_kind, ticket.assignee)
    _assign(ticket, routing().reopened(ticket.rule, current))
    ticket.state, ticket.level, ticket.reopened = TicketState.OPEN, ticket.level + 1, ticket.reopened + 1
    ticket.acknowledged_at = ticket.handled_at = ticket.replied_at = None
    ticket.finding = ticket.upheld = ticket.escalated_at = ticket.reminded_at = None
    ticket.satisfaction = None
    _deadlines(ticket, today())
    _event(ticket, actor, "reopened", f"来电人不满意，升级办理 reopened at level {ticket.level}，"
           f"转交 routed to {_where(ticket)}")


def request_extension(ticket: Ticket, days: int, reason: str, *, actor: str) -> Ticket:
    """延期: asked for with a reason; the deadlines move only when a head approves."""
    require(ticket, TicketState.OPEN)
    if not 1 <= days <= 30:
        raise ApiError(422, "延期天数应在 1 至 30 个工作日之间。", "Extend by 1 to 30 working days.")
    if not reason.strip():
        raise ApiError(422, "请写明延期理由。", "Give the reason for the extension.")
    if ticket.extension_days is not None:
        raise ApiError(409, "已有延期申请待审批。", "An extension is already waiting for approval.")
    ticket.extension_days, ticket.extension_reason = days, reason.strip()
    _event(ticket, actor, "extension_requested", f"{days} 个工作日 working days：{reason.strip()}",
           public=False)
    record(actor, "ticket.extension_requested", "ticket", ticket,
           after={"days": days, "reason": reason.strip()})
    return ticket


def decide_extension(ticket: Ticket, approve: bool, *, actor: str) -> Ticket:
    require(ticket, TicketState.OPEN)
    if ticket.extension_days is None:
        raise ApiError(409, "没有待审批的延期申请。", "No extension is waiting for approval.")
    days, before = ticket.extension_days, ticket.reply_by
    if approve:
        work = calendar()
        ticket.handle_by = work.add(ticket.handle_by, days)
        ticket.reply_by = work.add(ticket.reply_by, days)
        ticket.deadline_known = work.known(ticket.reply_by)
        ticket.escalated_at = ticket.reminded_at = None
        _event(ticket, actor, "extended", f"答复期限延至 reply due {ticket.reply_by:%Y-%m-%d}")
    else:
        _event(ticket, actor, "extension_refused", None, public=False)
    ticket.extension_days = ticket.extension_reason = None
    record(actor, "ticket.extension_" + ("approved" if approve else "refused"), "ticket", ticket,
           before={"reply_by": before}, after={"reply_by": ticket.reply_by, "days": days})
    return ticket


def require(ticket: Ticket, state: TicketState) -> None:
    if ticket.state != state:
        raise ApiError(409, f"工单当前状态为 {ticket.state.value}，不能进行此操作。",
                       f"The ticket is {ticket.state.value}; this step needs {state.value}.")


# -- deadlines: reminders and escalation ------------------------------------------------------------

def overdue(ticket: Ticket, on: dt.date) -> str | None:
    """The first deadline ``ticket`` has missed on day ``on`` (``acknowledge``, ``handle`` or
    ``reply``), or None."""
    if ticket.state != TicketState.OPEN:
        return None
    if ticket.acknowledged_at is None and on > ticket.acknowledge_by:
        return "acknowledge"
    if ticket.handled_at is None and on > ticket.handle_by:
        return "handle"
    if on > ticket.reply_by:
        return "reply"
    return None


def sweep(*, actor: str = "system:hotline", on: dt.date | None = None) -> dict[str, int]:
    """Run by a timer (``flask hotline sweep``): remind the assignee the working day before
    the reply is due (once), and escalate a ticket past a deadline to the unit's head (once
    per handling level). Returns the counts."""
    on = on or today()
    work, counts = calendar(), {"reminded": 0, "escalated": 0}
    tickets = db.session.scalars(sa.select(Ticket).where(Ticket.state == TicketState.OPEN)
                                 .order_by(Ticket.id))
    for ticket in tickets:
        missed = overdue(ticket, on)
        if missed and ticket.escalated_at is None:
            ticket.escalated_at = utcnow()
            head = _head(ticket)
            zh, en = _STAGE_NAMES[missed]
            _event(ticket, actor, "escalated",
                   f"超过{zh}期限，已报{head}（{en} deadline missed; escalated）", public=False)
            record(actor, "ticket.escalated", "ticket", ticket, after={"missed": missed, "to": head})
            counts["escalated"] += 1
        elif not missed and work.add(on, 1) >= ticket.reply_by and ticket.reminded_at is None:
            ticket.reminded_at = utcnow()
            _event(ticket, actor, "reminded", f"答复期限 reply due {ticket.reply_by:%Y-%m-%d}",
                   public=False)
            counts["reminded"] += 1
    db.session.flush()
    return counts


_STAGE_NAMES = {"acknowledge": ("签收", "acknowledgement"), "handle": ("办结", "handling"),
                "reply": ("答复", "reply")}


def _head(ticket: Ticket) -> str:
    if ticket.assignee_kind == Assignee.UNIT:
        unit = routing().units[ticket.assignee]
        return f"{unit.name}负责人 head of {unit.name_en}" + (f" ({unit.head})" if unit.head else "")
    return "客运管理处负责人 the passenger transport division's head"


# -- reading --------------------------------------------------------------------------------------

def by_number(number: str) -> Ticket | None:
    return db.session.scalar(sa.select(Ticket).where(Ticket.number == number))


def ticket_for(person: Person, number: str) -> Ticket:
    """The caller's own ticket; anybody else's is 404."""
    ticket = db.session.scalar(sa.select(Ticket).where(Ticket.number == number,
                                                      Ticket.person_id == person.id))
    if ticket is None:
        raise ApiError(404, "未找到该工单。", "No such ticket.")
    return ticket


def masked_text(ticket: Ticket) -> str:
    """What a ticket says, with ID and mobile numbers a caller may have typed masked."""
    return mask_personal_data(ticket.text)
