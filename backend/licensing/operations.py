"""Applications from submission to decision: the one place every channel comes through.

The mobile API, the kiosk API, the staff console and the command line all call these
functions; they flush, and the caller's request (or command) commits once.

A decision reads first and writes last: the request is prepared, the other departments are
asked and every rule is evaluated without writing anything (on SQLite without the writer
lock, so decisions check in parallel); then, in a savepoint, the application is added, the
checks' results and source queries with it, the handler decides, and all of it is written at
one flush, where the application gets its number. A concurrent twin (same idempotency key, or
an open application for the same thing) is refused there by the unique constraints: the
savepoint takes back everything of the loser, which answers with the winner.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import hashlib
import json
import zoneinfo
from collections.abc import Callable

import sqlalchemy as sa
from flask import current_app
from sqlalchemy.orm import Session

from backend.audit.operations import record
from backend.common.counters import next_value
from backend.db import db, utcnow
from backend.errors import ApiError
from backend.identity.models import Company, Person
from backend.licensing.models import (
    STATE_NAMES,
    Application,
    ApplicationEvent,
    Outcome,
    RuleResult,
    State,
)
from backend.licensing.rules import Context, Facts, RuleOutcome, evaluate
from backend.matters.operations import get_matter
from backend.matters.registry import Applicant, Channel, Handler, handler_for, offered
from backend.verification import sources

CLOSED = {State.REJECTED, State.ISSUED, State.WITHDRAWN}
XIAMEN = zoneinfo.ZoneInfo("Asia/Shanghai")


def today() -> dt.date:
    """Decisions are made on Xiamen's calendar day."""
    return dt.datetime.now(XIAMEN).date()


# -- submission -------------------------------------------------------------------------------

def _request_hash(matter: str, body: dict) -> str:
    return hashlib.sha256(json.dumps([matter, body], sort_keys=True, ensure_ascii=False,
                                     default=str).encode()).hexdigest()


# The lookups every application makes, built once (building a statement costs more than
# running it: README, Decision throughput).
BY_KEY = sa.select(Application).where(Application.applicant_id == sa.bindparam("person"),
                                      Application.idempotency_key == sa.bindparam("key"))
OPEN = sa.select(Application).where(Application.open_key == sa.bindparam("open_key"))


def _by_idempotency_key(person: Person, key: str) -> Application | None:
    return db.session.scalar(BY_KEY, {"person": person.id, "key": key})


def _replay(existing: Application, request_hash: str) -> Application:
    if existing.request_hash != request_hash:
        raise ApiError(422, "该 Idempotency-Key 已用于另一份不同的申请，请换一个新的键。",
                       "This Idempotency-Key was used for a different request.")
    return existing


def open_application(open_key: str) -> Application | None:
    return db.session.scalar(OPEN, {"open_key": open_key})


def open_application_error(open_key: str) -> ApiError | None:
    """The refusal for a new application while ``open_key`` is taken, or None."""
    existing = open_application(open_key)
    return _already_open(existing) if existing else None


def _already_open(existing: Application) -> ApiError:
    """Name the application in the way, its matter and its state, and what to do (another
    matter on the same certificate blocks too, e.g. a renewal while a reissue is open)."""
    matter = existing.matter
    return ApiError(
        409, f"您的办件 {existing.number}（{matter.name}）正在办理中（{STATE_NAMES[existing.state][0]}），"
             "同一证件同时只能办理一件，请等它办结后再申请（可在“我的办件”查看进度，疑问请拨打 12328）。",
        f"Your application {existing.number} ({matter.name_en}) is still open "
        f"({STATE_NAMES[existing.state][1]}); one certificate takes one application at a time. Apply "
        "again once it is finished (follow it under My applications; questions: call 12328).",
        application_number=existing.number)


def application_number(on: dt.date) -> str:
    """``XM-WYC-20261130-000123``: a gapless daily sequence."""
    return f"XM-WYC-{on:%Y%m%d}-{next_value(f'application.{on:%Y%m%d}'):06d}"


@dataclasses.dataclass(frozen=True)
class Checked:
    """One run of a matter's checks, before anything of it is written."""

    answers: dict[str, sources.Answer]
    outcomes: list[RuleOutcome]

    @property
    def outcome(self) -> Outcome:
        results = {o.verdict.outcome for o in self.outcomes}
        if Outcome.FAIL in results:
            return Outcome.FAIL
        return Outcome.UNKNOWN if Outcome.UNKNOWN in results else Outcome.PASS


def submit(person: Person, matter_code: str, body: dict, *, channel: Channel, actor: str,
           idempotency_key: str | None = None,
           company: Company | None = None) -> tuple[Application, bool]:
    """Create and decide an application; ``(application, replayed)``. With ``company`` the
    person applies for it, and a company's matter's handler is given the company.

    A repeated key with the same body gives back the first application, even when both
    requests race: the unique constraints decide the winner and the loser reads its result.
    """
    matter = get_matter(matter_code)
    handler = handler_for(matter_code)
    if not offered(matter_code, channel):
        raise ApiError(422, f"「{matter.name}」暂不能通过此渠道申请。",
                       f"{matter.name_en} cannot be applied for on this channel.")
    _require_applicant_kind(handler, company)
    subject = company if company is not None else person
    request_hash = _request_hash(matter_code, body)
    with db.session.no_autoflush:  # (reading only)
        if idempotency_key and (existing := _by_idempotency_key(person, idempotency_key)):
            return _replay(existing, request_hash), True
        inputs = handler.prepare(subject, body)
        open_key = handler.open_key(subject, inputs)
        if refusal := open_application_error(open_key):
            raise refusal
        application = Application(
            matter=matter, matter_code=matter.code, applicant=person, applicant_id=person.id,
            company=company, company_id=company.id if company else None,
            channel=channel, state=State.SUBMITTED,
            inputs=inputs, phone=body.get("phone"), mailing_address=inputs.get("mailing_address"),
            open_key=open_key, idempotency_key=idempotency_key, request_hash=request_hash,
            events=[], rule_results=[], mailing_items=[])  # (new: nothing to load for them)
        checked = check(application, handler, actor) if handler.rules_for(inputs) else None
    try:
        with db.session.begin_nested():  # the application and its decision, or nothing
            _create(application, actor)
            _decide(application, handler, checked, actor)
            db.session.flush()
    except sa.exc.IntegrityError:
        twin = _twin(application)
        if twin is None:  # (refused for something else)
            raise
        if idempotency_key and twin.idempotency_key == idempotency_key:
            return _replay(twin, request_hash), True
        raise _already_open(twin) from None
    return application, False


def _require_applicant_kind(handler: Handler, company: Company | None) -> None:
    """A company's matter needs a company's sign-in; a person's matter, a person's own."""
    if handler.applicant == Applicant.COMPANY and company is None:
        raise ApiError(403, "此事项须由企业申请，请以企业（法人）身份登录 i厦门 后再办理。",
                       "Only a company applies for this: sign in with i厦门 as the company.")
    if handler.applicant == Applicant.PERSON and company is not None:
        raise ApiError(403, "以企业身份登录时不能办理个人事项，请以个人身份登录。",
                       "Signed in as a company you cannot apply for a person's matter.")


def _create(application: Application, actor: str) -> None:
    """Add the new application. It is written, and numbered (``_number_new``), at the flush
    that ends the decision, or at an earlier one a handler makes because it needs its id."""
    db.session.add(application)
    _add_event(application, None, State.SUBMITTED, actor=actor, reason=None)
    record(actor, "application.submitted", "application", application,
           after={"matter": application.matter_code, "channel": application.channel,
                  "state": State.SUBMITTED})


@sa.event.listens_for(Session, "before_flush")
def _number_new(session: Session, _context, _instances) -> None:
    """A new application gets its number from the day's gapless counter when it is written
    (in the writing transaction: a rollback gives the number back)."""
    for instance in session.new:
        if isinstance(instance, Application) and instance.number is None:
            instance.number = application_number(today())


def _twin(application: Application) -> Application | None:
    """The application a concurrent request wrote first, which made the unique constraints
    refuse this one (same idempotency key, or an open application for the same thing)."""
    twin = None
    if application.idempotency_key:
        twin = _by_idempotency_key(application.applicant, application.idempotency_key)
    return twin or open_application(application.open_key)


def _decide(application: Application, handler: Handler, checked: Checked | None,
            actor: str) -> None:
    if checked is not None:
        settle(application, store_checks(application, checked, actor),
               lambda: _on_pass(application, handler, actor), actor=actor)
    else:
        _on_pass(application, handler, actor)


def _on_pass(application: Application, handler: Handler, actor: str) -> None:
    """Nothing stands in the way: a clerk's matter waits for the clerk, any other is approved."""
    if handler.to_clerk:
        transition(application, State.AWAITING_REVIEW, actor=actor, reason=handler.to_clerk_reason)
    else:
        handler.approve(application, actor)


# -- state ------------------------------------------------------------------------------------

def _add_event(application: Application, before: State | None, to: State, *, actor: str,
               reason: str | None) -> None:
    application.events.append(ApplicationEvent(from_state=before, to_state=to, at=utcnow(),
                                               actor=actor, reason=reason))


def transition(application: Application, to: State, *, actor: str, reason: str | None = None):
    """Move the application to ``to``, in its history and the audit log. A clerk deciding at
    the same time as somebody else finds the row's version changed: 409 (``backend.errors``)."""
    before = application.state
    application.state = to
    if to in CLOSED or (to == State.APPROVED and application.matter_code.endswith("-cancel")):
        application.open_key = None
    if to in CLOSED | {State.APPROVED, State.AWAITING_EXAM}:
        application.decided_at = application.decided_at or utcnow()
    _add_event(application, before, to, actor=actor, reason=reason)
    record(actor, "application.transition", "application", application,
           before={"state": before}, after={"state": to, "reason": reason})


# -- checks -----------------------------------------------------------------------------------

def check(application: Application, handler: Handler, actor: str) -> Checked:
    """Ask the sources and evaluate the matter's rules. Reads only: nothing is written."""
    answers = sources.ask(handler.questions(application))
    person = application.applicant
    context = Context(today=today(), config=current_app.config, id_number=person.id_number,
                      name=person.name, inputs=application.inputs)
    return Checked(answers, evaluate(handler.rules_for(application.inputs), Facts(answers), context))


def store_checks(application: Application, checked: Checked, actor: str) -> Outcome:
    """Write one run of the checks: the source queries (for the application), every rule's
    result, and the step to ``checking``; the overall outcome."""
    if application.state != State.CHECKING:
        transition(application, State.CHECKING, actor=actor)
    sources.log(checked.answers.values(), requester=actor, purpose=application)
    run = 1 + max((r.run for r in application.rule_results), default=0)
    evaluated_at = utcnow()
    for o in checked.outcomes:
        application.rule_results.append(RuleResult(
            run=run, rule=o.rule, outcome=o.verdict.outcome, reason=o.verdict.reason,
            reason_en=o.verdict.reason_en, facts=o.verdict.facts, query_ids=o.query_ids,
            evaluated_at=evaluated_at))
    return checked.outcome


def latest_results(application: Application) -> list[RuleResult]:
    if not application.rule_results:
        return []
    last_run = max(r.run for r in application.rule_results)
    return [r for r in application.rule_results if r.run == last_run]


def latest_result(application: Application, rule: str) -> RuleResult | None:
    """What ``rule`` said on the last run of the checks."""
    return next((r for r in latest_results(application) if r.rule == rule), None)


def _failed_reasons(application: Application) -> str:
    return "；".join(r.reason for r in latest_results(application) if r.outcome == Outcome.FAIL)


def _not_answered(application: Application) -> str:
    """The departments that could not be asked on the last run, by their Chinese names."""
    keys = {key for r in latest_results(application) if r.outcome == Outcome.UNKNOWN
            for key in (r.facts or {}).get("not_answered", [])}
    return "、".join(sorted({sources.department_of(key)[0] for key in keys})) or "部分部门"


def settle(application: Application, outcome: Outcome, on_pass: Callable[[], None], *, actor: str):
    """Reject on any fail, send to review on any unknown, else do what passing means."""
    if outcome == Outcome.FAIL:
        transition(application, State.REJECTED, actor=actor, reason=_failed_reasons(application))
    elif outcome == Outcome.UNKNOWN:
        transition(application, State.AWAITING_REVIEW, actor=actor,
                   reason=f"{_not_answered(application)}暂时无法核验，已转人工审核")
    else:
        on_pass()


# -- staff decisions and re-checks ------------------------------------------------------------

def recheck(application: Application, *, actor: str) -> None:
    """Re-run every check of an application waiting for review (a source is back)."""
    require_state(application, State.AWAITING_REVIEW)
    handler = handler_for(application.matter_code)
    if not handler.rules_for(application.inputs):
        raise ApiError(422, "此事项没有需要重新核验的项目。", "This matter has no checks to re-run.")
    with db.session.no_autoflush:
        checked = check(application, handler, actor)
    _decide(application, handler, checked, actor)
    db.session.flush()


def decide(application: Application, *, approve: bool, reason: str, actor: str) -> None:
    """A clerk's decision with a written reason on an application waiting for review."""
    require_state(application, State.AWAITING_REVIEW)
    if not reason.strip():
        raise ApiError(422, "请填写决定理由。", "A reason is required.")
    handler = handler_for(application.matter_code)
    if not approve:
        transition(application, State.REJECTED, actor=actor, reason=reason)
        db.session.flush()
        return
    if not handler.approvable:
        raise ApiError(422, "此事项不能在此作出决定。", "This matter is not decided here.")
    record(actor, "application.approved_by_clerk", "application", application.number,
           after={"reason": reason})
    steps_before = len(application.events)
    handler.approve(application, actor)
    _note_clerk_reason(application.events[steps_before], reason)
    db.session.flush()


def _note_clerk_reason(first: ApplicationEvent, reason: str) -> None:
    """The clerk's written reason goes with the first step the approval took."""
    first.reason = f"{first.reason}；审核意见：{reason}" if first.reason else f"审核意见：{reason}"


def require_state(application: Application, *states: State) -> None:
    if application.state not in states:
        raise ApiError(409, f"申请 {application.number} 当前状态为「{STATE_NAMES[application.state][0]}」，不能执行此操作。",
                       f"Application {application.number} is {application.state.value}.")


# -- reading ------------------------------------------------------------------------------------

def applications_of(person: Person, company: Company | None = None) -> sa.Select:
    """The signed-in applicant's applications: a company's (``company``), or the person's own
    (never the ones they made for a company)."""
    if company is not None:
        return sa.select(Application).where(Application.company_id == company.id)
    return sa.select(Application).where(Application.applicant_id == person.id,
                                        Application.company_id.is_(None))


def application_for(person: Person, number: str, company: Company | None = None) -> Application:
    """The applicant's own application (the company's, with ``company``); anybody else's is
    404."""
    application = db.session.scalar(
        applications_of(person, company).where(Application.number == number))
    if application is None:
        raise ApiError(404, "未找到该申请。", "No such application.")
    return application


def by_number(number: str) -> Application | None:
    return db.session.scalar(sa.select(Application).where(Application.number == number))
