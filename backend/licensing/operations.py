"""Applications from submission to decision: the one place every channel comes through.

The mobile API, the kiosk API, the staff console and the command line all call these
functions; they flush, and the caller's request (or command) commits once.
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
from sqlalchemy.orm.attributes import set_committed_value

from backend.audit.operations import record
from backend.certificates import operations as certificates
from backend.certificates.models import Certificate, Kind, Status
from backend.common.chain import Entry, Rows, add, append, update_one
from backend.common.counters import next_value_now
from backend.common.sql import Statements
from backend.db import db, utcnow
from backend.errors import ApiError
from backend.identity.models import Person
from backend.licensing import driver_rules
from backend.licensing.exams import SUBJECTS, ExamAttempt
from backend.licensing.models import (
    Application,
    ApplicationEvent,
    Channel,
    Outcome,
    RuleResult,
    State,
    WrittenEvent,
    WrittenResult,
)
from backend.licensing.rules import Context, Facts, add_years, evaluate
from backend.mailing.operations import queue_item
from backend.matters.operations import get_matter
from backend.verification.sources import ask_all

CLOSED = {State.REJECTED, State.ISSUED, State.WITHDRAWN}
EVENTS, RESULTS = Rows(ApplicationEvent), Rows(RuleResult)
XIAMEN = zoneinfo.ZoneInfo("Asia/Shanghai")


def today() -> dt.date:
    """Decisions are made on Xiamen's calendar day."""
    return dt.datetime.now(XIAMEN).date()


# -- handlers: what each matter does -----------------------------------------------------------

@dataclasses.dataclass(frozen=True)
class Handler:
    """How one matter prepares its inputs and decides. Registered per matter code.

    ``prepare`` validates the request against the person's situation and returns the stored
    inputs; ``process`` runs right after submission (and again on a clerk's re-check);
    ``approve`` is what a clerk's approval of an application in review does.
    """

    prepare: Callable[[Person, dict], dict]
    process: Callable[[Application, str], None]
    approve: Callable[[Application, str], None] | None
    open_key: Callable[[Person, dict], str]


HANDLERS: dict[str, Handler] = {}


def handles(*codes: str, open_key: Callable[[Person, dict], str] | None = None):
    """Register the decorated class (static ``prepare``, ``process``, optional ``approve``)."""

    def register(cls):
        for code in codes:
            HANDLERS[code] = Handler(
                cls.prepare, cls.process, getattr(cls, "approve", None),
                open_key or (lambda person, inputs, c=code: f"{c}:{person.id}"))
        return cls

    return register


# -- submission -------------------------------------------------------------------------------

def _request_hash(matter: str, body: dict) -> str:
    return hashlib.sha256(json.dumps([matter, body], sort_keys=True, ensure_ascii=False,
                                     default=str).encode()).hexdigest()


def _by_idempotency_key(person: Person, key: str) -> Application | None:
    return Statements().load(Application, "applicant_id = :person AND idempotency_key = :key",
                             {"person": person.id, "key": key})


def _replay(existing: Application, request_hash: str) -> Application:
    if existing.request_hash != request_hash:
        raise ApiError(422, "该 Idempotency-Key 已用于另一份不同的申请，请换一个新的键。",
                       "This Idempotency-Key was used for a different request.")
    return existing


def _open_application(open_key: str) -> Application | None:
    return Statements().load(Application, "open_key = :key", {"key": open_key})


def application_number(on: dt.date) -> str:
    """``XM-WYC-20261130-000123``: a daily sequence; a number may go unused, never twice."""
    return f"XM-WYC-{on:%Y%m%d}-{next_value_now(f'application.{on:%Y%m%d}'):06d}"


def assign_number(application: Application) -> str:
    """Number a new application now, if it has no number yet. Normally this happens in the
    decision's write phase, right before its row is inserted (on SQLite inside the same
    writer lock, so no second lock is queued for); what needs the number earlier calls this."""
    if application.number is None:
        application.number = application_number(today())
    return application.number


def number_of(application: Application):
    """The application's number, or for one not yet numbered, a function giving it once it
    is (for log entries, which are written after the application)."""
    return application.number or (lambda: application.number)


def submit(person: Person, matter_code: str, body: dict, *, channel: Channel, actor: str,
           idempotency_key: str | None = None) -> tuple[Application, bool]:
    """Create and decide an application; ``(application, replayed)``.

    A repeated key with the same body gives back the first application, even when both
    requests race: the unique constraint decides the winner and the loser reads its result.
    """
    handler = HANDLERS.get(matter_code)
    matter = get_matter(matter_code)
    if handler is None or channel.value not in matter.channels:
        raise ApiError(422, f"「{matter.name}」暂不能通过此渠道申请。",
                       f"{matter.name_en} cannot be applied for on this channel.")
    request_hash = _request_hash(matter_code, body)
    if idempotency_key and (existing := _by_idempotency_key(person, idempotency_key)):
        return _replay(existing, request_hash), True
    inputs = handler.prepare(person, body)
    open_key = handler.open_key(person, inputs)
    if existing := _open_application(open_key):
        raise _already_open(existing)
    application = _create(person, matter, channel, body, inputs, open_key, idempotency_key,
                          request_hash, actor)
    # Decide, then write. Everything up to the checks' results only reads (on SQLite without
    # the writer lock, so decisions check in parallel); the application row, its history, the
    # results, any certificate and the audit and query-log entries are then written in the
    # decision's one write phase. A concurrent second application (same open_key or
    # idempotency key) is refused there by the unique constraints: the loser's whole
    # transaction rolls back and it answers with the winner.
    try:
        with db.session.no_autoflush:
            handler.process(application, actor)
        db.session.flush()
    except sa.exc.IntegrityError:
        db.session.rollback()
        if idempotency_key and (existing := _by_idempotency_key(person, idempotency_key)):
            return _replay(existing, request_hash), True
        if existing := _open_application(open_key):
            raise _already_open(existing) from None
        raise
    return application, False


def _already_open(existing: Application) -> ApiError:
    return ApiError(409, f"您已有一件正在办理的同类申请（{existing.number}），请勿重复申请。",
                    f"You already have an open application {existing.number} for this.",
                    application_number=existing.number)


def _create(person, matter, channel, body, inputs, open_key, idempotency_key,
            request_hash, actor) -> Application:
    """The new application, in the session only: it is inserted at the decision's first write."""
    application = Application(
        number=None, matter=matter, matter_code=matter.code,
        applicant=person, applicant_id=person.id,
        channel=channel, state=State.SUBMITTED, inputs=inputs, phone=body.get("phone"),
        mailing_address=inputs.get("mailing_address"), open_key=open_key,
        idempotency_key=idempotency_key, request_hash=request_hash, created_at=utcnow())
    # History and results are kept in memory as they are written, so the answer to this
    # request is built without reloading them.
    set_committed_value(application, "events", [])
    set_committed_value(application, "rule_results", [])
    set_committed_value(application, "mailing_items", [])
    add(db.session, application, before_insert=lambda: assign_number(application))
    _add_event(application, None, State.SUBMITTED, actor=actor, reason=None)
    record(actor, "application.submitted", "application", number_of(application),
           after={"matter": matter.code, "channel": channel, "state": State.SUBMITTED})
    return application


CHANGED = ("该申请刚刚已被另一项操作改变，请刷新后再试。",
           "The application was changed by another request just now; please refresh.")


def _change(application: Application, changes: dict, *, guard_state: State | None = None):
    """Change an application: in memory only while it is new (its insert takes the values);
    a stored one with an ``UPDATE`` queued for the write phase that must find it still in
    ``guard_state`` when given (two clerks deciding at once: the second gets 409). A value
    may be a function (an id known once the write phase has inserted its row)."""
    if sa.inspect(application).transient:
        for name, value in changes.items():
            setattr(application, name, value)
        return
    changes = {**changes, "updated_at": utcnow()}
    late = {name: value for name, value in changes.items() if callable(value)}
    for name, value in changes.items():  # as written: nothing left for the ORM to flush
        if name not in late:
            set_committed_value(application, name, value)
    guard = " AND state = :guard_state" if guard_state is not None else ""
    update_one(db.session, f"UPDATE applications SET {', '.join(f'{n} = :{n}' for n in changes)} "
               f"WHERE id = :id{guard}",
               {**changes, "id": application.id, "guard_state": guard_state}, conflict=CHANGED,
               after_inserts=bool(late), then=lambda: [
                   set_committed_value(application, name, value()) for name, value in late.items()])


_KEPT = ("state", "open_key", "decided_at", "updated_at", "certificate_id", "certificate",
         "events", "mailing_items")


def keep(application: Application) -> dict:
    """What the application is now in memory, for ``restore`` when what follows is undone
    (changes made through ``_change`` are not the ORM's to undo). Nothing is loaded."""
    return {name: application.__dict__[name] for name in _KEPT if name in application.__dict__}


def restore(application: Application, kept: dict) -> None:
    for name in _KEPT:
        if name in kept:
            set_committed_value(application, name, kept[name])
        else:  # (not loaded then: loaded again when next used)
            application.__dict__.pop(name, None)


def _add_event(application: Application, before: State | None, to: State, *, actor: str,
               reason: str | None) -> None:
    """Queue one history row (written with the decision's other rows, in one statement)."""
    row = Entry(application_id=lambda: application.id, from_state=before, to_state=to,
                at=utcnow(), actor=actor, reason=reason)
    append(db.session, EVENTS, row)
    set_committed_value(application, "events", [*application.events, WrittenEvent(
        application.id, before, to, row.at, actor, reason)])


def transition(application: Application, to: State, *, actor: str, reason: str | None = None):
    # A clerk's written reason (see ``decide``) goes with the first step the approval takes.
    clerk_reason = application.__dict__.pop("_clerk_reason", None)
    if clerk_reason:
        reason = f"{reason}；审核意见：{clerk_reason}" if reason else f"审核意见：{clerk_reason}"
    before = application.state
    changes = {"state": to}
    if to in CLOSED or (to == State.APPROVED and application.matter_code.endswith("-cancel")):
        changes["open_key"] = None
    if to in CLOSED | {State.APPROVED, State.AWAITING_EXAM}:
        changes["decided_at"] = application.decided_at or utcnow()
    _change(application, changes, guard_state=before)
    _add_event(application, before, to, actor=actor, reason=reason)
    record(actor, "application.transition", "application", number_of(application),
           before={"state": before}, after={"state": to, "reason": reason})


# -- checks -----------------------------------------------------------------------------------

def run_checks(application: Application, rule_codes, questions, *, actor: str) -> Outcome:
    """Ask the sources, evaluate every rule, store every result; the overall outcome."""
    if application.state != State.CHECKING:
        transition(application, State.CHECKING, actor=actor)
    answers = ask_all(questions, requester=actor, purpose=number_of(application))
    person = application.applicant
    context = Context(today=today(), config=current_app.config, id_number=person.id_number,
                      name=person.name, inputs=application.inputs)
    outcomes = evaluate(rule_codes, Facts(answers), context)
    _store_results(application, outcomes)
    results = {o.verdict.outcome for o in outcomes}
    if Outcome.FAIL in results:
        return Outcome.FAIL
    return Outcome.UNKNOWN if Outcome.UNKNOWN in results else Outcome.PASS


def _store_results(application: Application, outcomes) -> None:
    """Queue one run's results (written at the next flush, in one statement) and add them to
    ``application.rule_results`` in memory.

    Results are written once and (almost) never changed, so they skip the ORM's unit of work;
    the collection holds them as plain ``WrittenResult`` records: change one only through
    ``amend_result``.
    """
    run = 1 + max((r.run for r in application.rule_results), default=0)
    rows = [Entry(application_id=lambda: application.id, run=run, rule=o.rule,
                  outcome=o.verdict.outcome, reason=o.verdict.reason,
                  reason_en=o.verdict.reason_en, facts=o.verdict.facts,
                  query_ids=o.query_ids, evaluated_at=utcnow()) for o in outcomes]
    for row in rows:
        append(db.session, RESULTS, row)
    set_committed_value(application, "rule_results", [*application.rule_results, *(
        WrittenResult(**{**vars(row), "application_id": application.id}) for row in rows)])


def amend_result(application: Application, result: RuleResult, **values) -> None:
    """Change a stored rule result of ``application`` (in memory and in the database)."""
    for name, value in values.items():
        setattr(result, name, value)
    if isinstance(result, WrittenResult):  # written by ``_store_results``: not the ORM's
        db.session.flush()  # (written, if it was still queued)
        Statements().write(
            f"UPDATE rule_results SET {', '.join(f'{name} = :{name}' for name in values)} "
            "WHERE application_id = :application_id AND run = :run AND rule = :rule",
            {**values, "application_id": application.id, "run": result.run,
             "rule": result.rule})


def latest_results(application: Application) -> list[RuleResult]:
    if not application.rule_results:
        return []
    last_run = max(r.run for r in application.rule_results)
    return [r for r in application.rule_results if r.run == last_run]


def _failed_reasons(application: Application) -> str:
    return "；".join(r.reason for r in latest_results(application) if r.outcome == Outcome.FAIL)


def settle(application: Application, outcome: Outcome, on_pass: Callable[[], None], *, actor: str):
    """Reject on any fail, send to review on any unknown, else do what passing means."""
    if outcome == Outcome.FAIL:
        transition(application, State.REJECTED, actor=actor, reason=_failed_reasons(application))
    elif outcome == Outcome.UNKNOWN:
        transition(application, State.AWAITING_REVIEW, actor=actor,
                   reason="部分部门暂时无法核验，已转人工审核")
    else:
        on_pass()


# -- driver matters ---------------------------------------------------------------------------

def _driver_certificate_of(person: Person) -> Certificate | None:
    certificate = certificates.current_certificate(person, Kind.DRIVER)
    if certificate and certificate.effective_status(today()) == Status.VALID:
        return certificate
    return None


def _issuing_application(certificate: Certificate) -> Application | None:
    return db.session.scalar(sa.select(Application).where(Application.certificate_id == certificate.id))


def _driver_checks(application: Application, actor: str) -> Outcome:
    return run_checks(application, driver_rules.DRIVER_RULES,
                      driver_rules.driver_questions(application.applicant.id_number), actor=actor)


def issue_driver_certificate(application: Application, *, actor: str,
                             previous: Certificate | None = None) -> Certificate:
    """Issue (or renew/reissue into) a driver certificate and queue it for the post."""
    person = application.applicant
    starts = today()
    if application.matter_code == "driver-cert-reissue" and previous is not None:
        starts, ends = previous.valid_from, previous.valid_until  # a copy keeps its dates
    else:
        ends = add_years(starts, current_app.config["DRIVER_CERT_VALID_YEARS"]) - dt.timedelta(days=1)
    if application.state != State.APPROVED:
        transition(application, State.APPROVED, actor=actor)
    certificate = certificates.issue(kind=Kind.DRIVER, number=person.id_number, holder=person,
                                     valid_from=starts, valid_until=ends, actor=actor,
                                     previous=previous)
    link_certificate(application, certificate)
    if application.mailing_address:
        queue_item(certificate, application, actor=actor)
    transition(application, State.ISSUED, actor=actor)
    return certificate


def link_certificate(application: Application, certificate: Certificate) -> None:
    """Record which certificate the application issued or changed."""
    if sa.inspect(application).transient:
        application.certificate = certificate  # its insert takes the id
    else:
        _change(application, {"certificate_id": lambda: certificate.id})
        set_committed_value(application, "certificate", certificate)


def _mailing_address(person: Person, body: dict) -> dict | None:
    address = body.get("mailing_address") or person.last_mailing_address
    if address and address != person.last_mailing_address:  # (unchanged: nothing to flush)
        person.last_mailing_address = address
    return address


def _require_no_certificate(person: Person) -> None:
    if certificate := _driver_certificate_of(person):
        issuing = _issuing_application(certificate)
        raise ApiError(409, "您已持有有效的网约车驾驶员证，无需重复申请。",
                       "You already hold a valid driver certificate.",
                       application_number=issuing.number if issuing else None)


def _require_certificate(person: Person) -> Certificate:
    certificate = _driver_certificate_of(person)
    if certificate is None:
        raise ApiError(409, "您目前没有有效的网约车驾驶员证，无法办理此事项。",
                       "You hold no valid driver certificate for this matter.")
    return certificate


@handles("driver-cert-issue")
class DriverIssue:
    @staticmethod
    def prepare(person: Person, body: dict) -> dict:
        _require_no_certificate(person)
        if body.get("phone"):
            person.phone = body["phone"]
        return {"mailing_address": _mailing_address(person, body)}

    @staticmethod
    def process(application: Application, actor: str) -> None:
        outcome = _driver_checks(application, actor)
        settle(application, outcome, lambda: DriverIssue.approve(application, actor), actor=actor)

    @staticmethod
    def approve(application: Application, actor: str, reason: str = "资格审核通过，请参加考试") -> None:
        transition(application, State.AWAITING_EXAM, actor=actor, reason=reason)


@handles("driver-cert-reissue", "driver-cert-renew")
class DriverReplace:
    @staticmethod
    def prepare(person: Person, body: dict) -> dict:
        certificate = _require_certificate(person)
        return {"mailing_address": _mailing_address(person, body), "certificate_id": certificate.id}

    @staticmethod
    def process(application: Application, actor: str) -> None:
        outcome = _driver_checks(application, actor)
        settle(application, outcome, lambda: DriverReplace.approve(application, actor),
               actor=actor)

    @staticmethod
    def approve(application: Application, actor: str) -> None:
        previous = Statements().get(Certificate, application.inputs["certificate_id"])
        if previous.effective_status(today()) != Status.VALID:
            raise ApiError(409, "原证件已不再有效，无法补发或换发。",
                           "The certificate is no longer valid.")
        issue_driver_certificate(application, actor=actor, previous=previous)


@handles("driver-cert-cancel")
class DriverCancel:
    @staticmethod
    def prepare(person: Person, body: dict) -> dict:
        return {"certificate_id": _require_certificate(person).id}

    @staticmethod
    def process(application: Application, actor: str) -> None:
        certificate = db.session.get(Certificate, application.inputs["certificate_id"])
        certificates.set_status(certificate, Status.CANCELLED, actor=actor,
                                reason=f"持证人申请注销（{assign_number(application)}）")
        link_certificate(application, certificate)
        transition(application, State.APPROVED, actor=actor, reason="证件已注销")


# -- staff decisions and re-checks ------------------------------------------------------------

def recheck(application: Application, *, actor: str) -> None:
    """Re-run every check of an application waiting for review (a source is back)."""
    _require_state(application, State.AWAITING_REVIEW)
    HANDLERS[application.matter_code].process(application, actor)
    db.session.flush()


def decide(application: Application, *, approve: bool, reason: str, actor: str) -> None:
    """A clerk's decision with a written reason on an application waiting for review."""
    _require_state(application, State.AWAITING_REVIEW)
    if not reason.strip():
        raise ApiError(422, "请填写决定理由。", "A reason is required.")
    handler = HANDLERS[application.matter_code]
    if not approve:
        transition(application, State.REJECTED, actor=actor, reason=reason)
        return
    if handler.approve is None:
        raise ApiError(422, "此事项不能在此作出决定。", "This matter is not decided here.")
    record(actor, "application.approved_by_clerk", "application", application.number,
           after={"reason": reason})
    application._clerk_reason = reason  # not a column: read once by the next transition
    handler.approve(application, actor)
    db.session.flush()


def _require_state(application: Application, *states: State) -> None:
    if application.state not in states:
        raise ApiError(409, f"申请 {application.number} 当前状态为 {application.state.value}，不能执行此操作。",
                       f"Application {application.number} is {application.state.value}.")


# -- exams --------------------------------------------------------------------------------------

def record_exam(application: Application, subject: str, score: int, passed: bool, *,
                actor: str) -> None:
    """Record one exam result; both subjects passed issues the certificate."""
    _require_state(application, State.AWAITING_EXAM)
    if subject not in SUBJECTS:
        raise ApiError(422, "考试科目应为 national 或 regional。", "subject must be national or regional")
    db.session.add(ExamAttempt(application_id=application.id, subject=subject, score=score,
                               passed=passed, recorded_by=actor))
    record(actor, "exam.recorded", "application", application.number,
           after={"subject": subject, "score": score, "passed": passed})
    attempts = db.session.scalars(sa.select(ExamAttempt)
                                  .where(ExamAttempt.application_id == application.id)).all()
    passed_subjects = {a.subject for a in attempts if a.passed}
    if passed_subjects >= set(SUBJECTS):
        issue_driver_certificate(application, actor=actor)
        db.session.flush()
        return
    failures = sum(1 for a in attempts if a.subject == subject and not a.passed)
    if not passed and failures >= current_app.config["EXAM_MAX_ATTEMPTS"]:
        transition(application, State.REJECTED, actor=actor,
                   reason=f"{subject} 科目考试 {failures} 次未通过，已达补考上限")


def application_for(person: Person, number: str) -> Application:
    """The applicant's own application; anybody else's is 404."""
    application = db.session.scalar(sa.select(Application).where(
        Application.number == number, Application.applicant_id == person.id))
    if application is None:
        raise ApiError(404, "未找到该申请。", "No such application.")
    return application


def by_number(number: str) -> Application | None:
    return db.session.scalar(sa.select(Application).where(Application.number == number))
