"""The regular re-check (常态化比对): every holder of a driver certificate in force, asked about
again and held to the rules a renewal would check today.

It is the decision's own machinery, not a second one: the questions are the matter's
(``handler.questions``), put to the configured sources (mirror or HTTP, with their budget,
``sources.ask``) and logged in the query log for the run (``sources.log``); the rules are the
matter's, evaluated by the rule engine (``licensing.rules.evaluate``).

A failure the holder did not have at the last run is new: it becomes an alert through the
alert path (``raise_alert``, with a reference derived from the holder and the failure, so a
failure is one alert however often it is seen), and the due process of a police alert follows.
A rule whose source did not answer is ``unknown``: what was known of it stays as it was (no
alert, nothing cleared), the holder is not counted as checked in full (``--due`` takes them
again) and the source is reported. A failure that no longer fails is forgotten: should it come
back, it is new again.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import hashlib
from collections import Counter
from collections.abc import Callable, Iterator

import sqlalchemy as sa
from flask import current_app
from sqlalchemy.orm.exc import StaleDataError

from backend.certificates.models import Certificate, Kind, Status
from backend.db import db, utcnow
from backend.errors import ApiError
from backend.identity.models import Person
from backend.licensing.models import Outcome, RecheckHolder, RecheckRun
from backend.licensing.operations import today
from backend.licensing.rules import RULES, Context, Facts, RuleOutcome, evaluate
from backend.matters.registry import handler_for
from backend.verification import sources

ACTOR = "system:recheck"
SOURCE = "recheck"
# The matter whose rules and questions a holder is held to: what renewing today would check.
MATTER = "driver-cert-renew"
POLICE = "police_records.records"
# The alert category of a failing rule (a police record's is the record's own category).
CATEGORIES = {"drv.identity": "identity", "drv.licence_valid": "licence_revoked",
              "drv.experience": "licence_revoked", "drv.points": "licence_points",
              "drv.residence": "residence"}
# Rules of the matter a holder is not re-checked against: conditions of applying, not of holding.
NOT_RECHECKED = {
    "drv.age",  # a holder who turns 60 keeps the certificate until it ends
    "drv.blacklist",  # the 黑名单 has its own effects (backend/credit), not a suspension
}


def raise_alert(*, reference: str, id_number: str, category: str, recorded_on: dt.date,
                detail: str):
    """One new failure into the alert path (``backend.alerts``), as the police's alerts go."""
    from backend.alerts.operations import receive

    return receive(reference=reference, id_number=id_number, category=category,
                   recorded_on=recorded_on, detail=detail, source=SOURCE, actor=ACTOR)


@dataclasses.dataclass(frozen=True)
class Failure:
    key: str  # what ``RecheckHolder.failing`` remembers
    rule: str
    category: str
    recorded_on: dt.date
    detail: str


# -- who -----------------------------------------------------------------------------------------

def holders(scope: str, day: dt.date) -> sa.Select:
    """The people holding a driver certificate in force on ``day``; with ``due``, only those
    not checked in full within ``RECHECK_INTERVAL_DAYS``."""
    query = (sa.select(Person).join(Certificate, Certificate.holder_id == Person.id)
             .where(Certificate.kind == Kind.DRIVER, Certificate.status == Status.VALID,
                    Certificate.valid_until >= day, Certificate.company_id.is_(None))
             .order_by(Person.id))
    if scope == "due":
        since = utcnow() - dt.timedelta(days=current_app.config["RECHECK_INTERVAL_DAYS"])
        query = query.outerjoin(RecheckHolder, RecheckHolder.person_id == Person.id).where(
            sa.or_(RecheckHolder.checked_at.is_(None), RecheckHolder.checked_at < since))
    return query


def _batches(query: sa.Select, size: int) -> Iterator[list[Person]]:
    """The holders in batches, by id (a batch's alerts may take a holder out of the query)."""
    last = 0
    while batch := list(db.session.scalars(query.where(Person.id > last).limit(size))):
        yield batch
        last = batch[-1].id


# -- one holder --------------------------------------------------------------------------------

Checked = tuple[dict[str, sources.Answer], list[RuleOutcome]]


def check_holders(people: list[Person], day: dt.date) -> list[Checked]:
    """Ask the sources about each of ``people`` (a mirror's questions for all of them at once,
    ``sources.ask_many``) and evaluate the rules for each (reads only)."""
    handler = handler_for(MATTER)
    codes = [code for code in handler.rules_for({}) if code not in NOT_RECHECKED]
    asked = sources.ask_many([handler.questions(_Subject(person)) for person in people])
    checked = []
    for person, answers in zip(people, asked, strict=True):
        context = Context(today=day, config=current_app.config, id_number=person.id_number,
                          name=person.name)
        checked.append((answers, evaluate(codes, Facts(answers), context)))
    return checked


@dataclasses.dataclass(frozen=True)
class _Subject:
    """What a handler's ``questions`` read of an application: whom it is about."""

    applicant: Person
    inputs: dict = dataclasses.field(default_factory=dict)


def failures(outcomes: list[RuleOutcome], answers: dict[str, sources.Answer],
             day: dt.date) -> list[Failure]:
    """Each failure of ``outcomes``: one per police record behind a failing record rule."""
    found = []
    for outcome in outcomes:
        verdict = outcome.verdict
        if verdict.outcome != Outcome.FAIL:
            continue
        detail = (f"{outcome.rule}（{RULES[outcome.rule].legal_basis}）：{verdict.reason} "
                  f"/ {verdict.reason_en}")
        categories = verdict.facts.get("categories")
        if categories and POLICE in answers:
            for record_ in answers[POLICE].data or []:
                if record_["category"] in categories:
                    found.append(Failure(
                        f"{outcome.rule}:{record_['category']}:{record_['recorded_on']}",
                        outcome.rule, record_["category"],
                        dt.date.fromisoformat(record_["recorded_on"]), detail))
        else:
            found.append(Failure(outcome.rule, outcome.rule, CATEGORIES.get(outcome.rule, "other"),
                                 day, detail))
    return found


def reference(person: Person, failure: Failure) -> str:
    """The alert's reference: the same failure of the same holder is always the same one
    (no personal data in it)."""
    digest = hashlib.sha256(f"{person.id_number}|{failure.key}".encode()).hexdigest()
    return f"RC-{digest[:32]}"


# -- a run -------------------------------------------------------------------------------------

@dataclasses.dataclass
class Tally:
    checked: int = 0
    incomplete: int = 0
    raised: int = 0
    new: Counter = dataclasses.field(default_factory=Counter)
    refused: Counter = dataclasses.field(default_factory=Counter)
    unreachable: Counter = dataclasses.field(default_factory=Counter)


def run(scope: str = "all", *, actor: str = "cli", batch: int = 500,
        commit: Callable[[], None] = lambda: None) -> RecheckRun:
    """Re-check the holders (``all`` or ``due``), committing after each batch (``commit``, the
    command's), and store the run's report."""
    if scope not in ("all", "due"):
        raise ValueError(scope)
    day = today()
    query = holders(scope, day)
    report = RecheckRun(scope=scope, actor=actor, started_at=utcnow(), new_failures={},
                        alerts_refused={}, unreachable={},
                        holders=db.session.scalar(sa.select(sa.func.count()).select_from(
                            query.order_by(None).subquery())))
    db.session.add(report)
    db.session.flush()
    commit()
    tally = Tally()
    for people in _batches(query, batch):
        states = _states(people)
        with db.session.no_autoflush:  # (one flush per batch, not one per holder)
            for person, (answers, outcomes) in zip(people, check_holders(people, day),
                                                   strict=True):
                _recheck(person, answers, outcomes, states, report, tally, day)
        _write_report(report, tally)
        commit()
    report.finished_at = utcnow()
    _write_report(report, tally)
    commit()
    return report


def _write_report(report: RecheckRun, tally: Tally) -> None:
    report.checked, report.incomplete, report.alerts_raised = (
        tally.checked, tally.incomplete, tally.raised)
    report.new_failures = dict(sorted(tally.new.items()))
    report.alerts_refused = dict(sorted(tally.refused.items()))
    report.unreachable = dict(sorted(tally.unreachable.items()))


def _states(people: list[Person]) -> dict[int, RecheckHolder]:
    ids = [person.id for person in people]
    return {state.person_id: state for state in db.session.scalars(
        sa.select(RecheckHolder).where(RecheckHolder.person_id.in_(ids)))}


def _recheck(person: Person, answers: dict[str, sources.Answer], outcomes: list[RuleOutcome],
             states: dict[int, RecheckHolder], report: RecheckRun, tally: Tally,
             day: dt.date) -> None:
    sources.log(answers.values(), requester=ACTOR, purpose=f"recheck-run:{report.id}")
    silent = {a.question.source for a in answers.values() if a.status == sources.Status.UNAVAILABLE}
    tally.checked += 1
    tally.unreachable.update(silent)
    tally.incomplete += bool(silent)
    state = states.get(person.id) or RecheckHolder(person_id=person.id, failing=[])
    unknown = {o.rule for o in outcomes if o.verdict.outcome == Outcome.UNKNOWN}
    kept = [key for key in state.failing if key.split(":")[0] in unknown]
    current = failures(outcomes, answers, day)
    known = set(state.failing)
    raised = [f for f in current if f.key in known or _alert(person, f, tally)]
    state.failing = sorted({*kept, *(f.key for f in raised)})
    state.last_run_id = report.id
    if not silent:
        state.checked_at = utcnow()
    db.session.add(state)


def _alert(person: Person, failure: Failure, tally: Tally) -> bool:
    """Raise the new failure as an alert; False when the alert path refused it (it is tried
    again next run)."""
    tally.new[failure.rule] += 1
    try:
        with db.session.begin_nested():
            raise_alert(reference=reference(person, failure), id_number=person.id_number,
                        category=failure.category, recorded_on=failure.recorded_on,
                        detail=failure.detail)
            db.session.flush()
    except (ApiError, StaleDataError):  # (refused, or the certificate changed meanwhile)
        tally.refused[failure.rule] += 1
        return False
    tally.raised += 1
    return True


def latest_runs(limit: int = 10) -> list[RecheckRun]:
    return list(db.session.scalars(sa.select(RecheckRun).order_by(RecheckRun.id.desc())
                                   .limit(limit)))
