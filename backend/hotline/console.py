"""The hotline in the staff console: agents take calls in, answer consultations at once, reply
and call back; a unit's handlers see their unit's tickets, acknowledge, handle and ask for more
time; a unit's head (or an administrator) approves extensions. Overdue tickets stand out.

A view reads its form, checks the role and the ticket's unit, calls one operation of
``backend.hotline.operations`` (which audits) and redirects; a refusal is flashed.
"""

from __future__ import annotations

import sqlalchemy as sa
from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_login import current_user

from backend.common.masking import mask_name
from backend.db import db
from backend.hotline import figures, operations
from backend.hotline.forms import (
    ActionForm,
    AnswerForm,
    CallBackForm,
    DecisionForm,
    ExtensionForm,
    IntakeForm,
    TextForm,
)
from backend.hotline.models import (
    KIND_LABELS,
    SATISFACTION_LABELS,
    Assignee,
    Kind,
    KnowledgeAnswer,
    Satisfaction,
    Subject,
    Ticket,
    TicketChannel,
    TicketState,
    UnitMember,
)
from backend.hotline.routing import routing
from backend.licensing.operations import today
from backend.staff.auth import roles_required, staff_actor
from backend.staff.models import Role
from backend.transactions import refusals_flashed

hotline = Blueprint("hotline", __name__, url_prefix="/console/hotline")

PER_PAGE = 30
SUBJECT_LABELS = {Subject.PLATFORM: "平台公司 Platform", Subject.DRIVER: "驾驶员 Driver",
                  Subject.VEHICLE: "车辆 Vehicle", Subject.BUREAU: "本局服务 The bureau's service"}
STATE_LABELS = {TicketState.OPEN: "办理中 Open", TicketState.REPLIED: "待回访 Replied",
                TicketState.CLOSED: "已办结 Closed"}
STAGE_LABELS = {"acknowledge": "签收超期 Acknowledge overdue", "handle": "办结超期 Handling overdue",
                "reply": "答复超期 Reply overdue"}


@hotline.context_processor
def labels() -> dict:
    return {"KIND_LABELS": KIND_LABELS, "SUBJECT_LABELS": SUBJECT_LABELS,
            "STATE_LABELS": STATE_LABELS, "SATISFACTION_LABELS": SATISFACTION_LABELS,
            "STAGE_LABELS": STAGE_LABELS, "overdue": operations.overdue, "today": today(),
            "where": _where_label, "Kind": Kind, "Subject": Subject, "Satisfaction": Satisfaction,
            "mask_name": mask_name}


def _where_label(ticket: Ticket) -> str:
    if ticket.assignee_kind == Assignee.UNIT:
        unit = routing().units[ticket.assignee]
        return f"{unit.name} {unit.name_en}"
    if ticket.assignee_kind == Assignee.PLATFORM:
        return f"平台 Platform {ticket.assignee}"
    return "热线坐席 Hotline agent"


def _my_unit() -> str | None:
    member = db.session.get(UnitMember, current_user.id)
    return member.unit_code if member else None


def _visible() -> sa.Select:
    """Agents and administrators see every ticket; a handler only its unit's."""
    query = sa.select(Ticket)
    if current_user.has_role(Role.AGENT):
        return query
    return query.where(Ticket.assignee_kind == Assignee.UNIT, Ticket.assignee == _my_unit())


def _ticket_or_404(number: str) -> Ticket:
    ticket = db.session.scalar(_visible().where(Ticket.number == number))
    if ticket is None:
        abort(404)
    return ticket


def _heads(ticket: Ticket) -> bool:
    """Whether the signed-in account may approve this ticket's extension."""
    if current_user.role == Role.ADMIN:
        return True
    unit = routing().units.get(ticket.assignee) if ticket.assignee_kind == Assignee.UNIT else None
    return unit is not None and unit.head == current_user.username


def _back(ticket: Ticket):
    return redirect(url_for("hotline.show", number=ticket.number))


def _flash_errors(form) -> None:
    for errors in form.errors.values():
        for message in dict.fromkeys(errors):
            flash(message, "error")


@hotline.get("/")
@roles_required(Role.AGENT, Role.HANDLER)
def index():
    """Open tickets first, the most urgent deadline first; ``?state=`` filters."""
    state = request.args.get("state", "open")
    query = _visible()
    if state in {s.value for s in TicketState}:
        query = query.where(Ticket.state == TicketState(state))
    query = query.order_by(Ticket.reply_by, Ticket.id)
    page = db.paginate(query, page=request.args.get("page", 1, type=int), per_page=PER_PAGE,
                       error_out=False)
    late = sum(1 for t in page.items if operations.overdue(t, today()))
    return render_template("hotline/index.html", page=page, state=state, late=late)


@hotline.route("/new", methods=["GET", "POST"])
@roles_required(Role.AGENT)
def new():
    form = IntakeForm()
    if request.method == "POST":
        if not form.validate_on_submit():
            _flash_errors(form)
        else:
            with refusals_flashed():
                ticket = operations.take_in(
                    Kind(form.kind.data), form.text.data, channel=TicketChannel.PHONE,
                    subject=Subject(form.subject.data), subject_ref=form.subject_ref.data or None,
                    platform=form.platform.data or None, matter_code=form.matter.data or None,
                    caller_name=form.caller_name.data or None,
                    caller_phone=form.caller_phone.data.replace("-", ""), actor=staff_actor())
                db.session.flush()
                flash(f"已受理 {ticket.number}，转交 {_where_label(ticket)}。Taken in.")
                return _back(ticket)
    return render_template("hotline/new.html", form=form)


@hotline.get("/<number>")
@roles_required(Role.AGENT, Role.HANDLER)
def show(number):
    ticket = _ticket_or_404(number)
    answers = (db.session.scalars(sa.select(KnowledgeAnswer).order_by(KnowledgeAnswer.code)).all()
               if ticket.assignee_kind == Assignee.AGENT else [])
    return render_template("hotline/ticket.html", ticket=ticket, answers=answers,
                           may_approve=_heads(ticket), text_form=TextForm(),
                           call_back_form=CallBackForm(), answer_form=AnswerForm(),
                           extension_form=ExtensionForm(), decision_form=DecisionForm(),
                           action_form=ActionForm())


def _step(number: str, form_class, step):
    ticket = _ticket_or_404(number)
    form = form_class()
    if not form.validate_on_submit():
        _flash_errors(form)
        return _back(ticket)
    with refusals_flashed():
        step(ticket, form)
        flash(f"{ticket.number}：{STATE_LABELS[ticket.state]}。Done.")
    return _back(ticket)


@hotline.post("/<number>/answer")
@roles_required(Role.AGENT)
def answer(number):
    return _step(number, AnswerForm, lambda t, f: operations.answer_at_once(
        t, f.answer.data, actor=staff_actor()))


@hotline.post("/<number>/acknowledge")
@roles_required(Role.AGENT, Role.HANDLER)
def acknowledge(number):
    return _step(number, ActionForm, lambda t, f: operations.acknowledge(t, actor=staff_actor()))


@hotline.post("/<number>/handle")
@roles_required(Role.AGENT, Role.HANDLER)
def handle(number):
    def step(ticket, form):
        upheld = {"yes": True, "no": False}.get(form.upheld.data or "")
        operations.handle(ticket, form.text.data, upheld=upheld, actor=staff_actor())
    return _step(number, TextForm, step)


@hotline.post("/<number>/reply")
@roles_required(Role.AGENT)
def reply(number):
    def step(ticket, form):
        upheld = {"yes": True, "no": False}.get(form.upheld.data or "")
        operations.reply(ticket, form.text.data, upheld=upheld, actor=staff_actor())
    return _step(number, TextForm, step)


@hotline.post("/<number>/call-back")
@roles_required(Role.AGENT)
def call_back(number):
    return _step(number, CallBackForm, lambda t, f: operations.call_back(
        t, Satisfaction(f.satisfaction.data), note=f.note.data, actor=staff_actor()))


@hotline.post("/<number>/extension")
@roles_required(Role.AGENT, Role.HANDLER)
def request_extension(number):
    return _step(number, ExtensionForm, lambda t, f: operations.request_extension(
        t, f.days.data, f.reason.data, actor=staff_actor()))


@hotline.post("/<number>/extension/decision")
@roles_required(Role.AGENT, Role.HANDLER)
def decide_extension(number):
    ticket = _ticket_or_404(number)
    if not _heads(ticket):
        abort(403)
    return _step(number, DecisionForm, lambda t, f: operations.decide_extension(
        t, f.decision.data == "approve", actor=staff_actor()))


@hotline.get("/figures")
@roles_required(Role.AGENT, Role.HANDLER)
def monthly_figures():
    month = figures.parse_month(request.args.get("month")) or today().replace(day=1)
    months = [figures.shift(month, -n) for n in range(5, -1, -1)]
    return render_template("hotline/figures.html", month=month, figures=figures.month(month),
                           trend=[figures.month(m) for m in months])

