"""The regular re-check (常态化比对): every holder of a driver certificate in force, asked about
again and held to the rules a renewal would check today; then every transport certificate in
force, its vehicle held to the rules of the vehicle permit that are conditions of holding it.

It is the decision's own machinery, not a second one: the questions are the matter's
(``handler.questions``), put to the configured sources (mirror or HTTP, with their budget,
``sources.ask``) and logged in the query log for the run (``sources.log``); the rules are the
matter's, evaluated by the rule engine (``licensing.rules.evaluate``).

A failure the holder (the vehicle) did not have at the last run is new: it becomes an alert
through the alert path (``raise_alert``, with a reference derived from the holder or the
certificate and the failure, so a failure is one alert however often it is seen), and the due
process of a police alert follows: a vehicle's alert names its plate, and suspends that
transport certificate. A rule whose source did not answer is ``unknown``: what was known of it
stays as it was (no alert, nothing cleared), the holder (the vehicle) is not counted as checked
in full (``--due`` takes them again) and the source is reported. A failure that no longer fails
is forgotten: should it come back, it is new again.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import hashlib
from collections import Counter
from collections.abc import Callable, Iterator

import sqlalchemy as sa
from flask import current_app
from sqlalchemy.orm import selectinload
from sqlalchemy.orm.exc import StaleDataError

from backend.certificates.models import Certificate, Kind, Status
from backend.db import db, utcnow
from backend.errors import ApiError
from backend.identity.models import Person
from backend.licensing.models import Outcome, RecheckHolder, RecheckRun, RecheckVehicle
from backend.licensing.operations import today
from backend.licensing.rules import (
    RULES,
    Context,
    Facts,
    RuleOutcome,
    add_years,
    evaluate,
    sources_for,
)
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

# The matter whose rules and questions a vehicle is held to: the permit's own.
VEHICLE_MATTER = "vehicle-permit-issue"
VEHICLE = "vehicle_registry.vehicle"
# Rules of the permit that are conditions of applying, not of holding: not re-checked.
VEHICLE_NOT_RECHECKED = {
    "veh.plate_local",  # the plate is printed on the certificate; one leaving Xiamen is
    # deregistered here, which veh.registered finds
    "veh.category_seats",  # fixed when the vehicle was registered, and checked at the issue
    "veh.power",  # the same; and pure electric is required of vehicles entering service: one
    # licensed before keeps its certificate
    "veh.gps_live",  # momentary: a vehicle parked overnight is silent, and no worse for it
    "veh.platform_licensed",  # the platform's licence, not the vehicle's: dealt with on the
    # platform licence
    "veh.single_platform",  # held at all times by the database (one plate, one certificate)
    "veh.blacklist",  # the 黑名单 has its own effects (backend/credit), not a suspension
}
# veh.registered: the registry's statuses that end the holding (None: the registry no longer
# knows the plate). Seized, detained, locked or mortgaged vehicles (查封, 扣押, 锁定, 抵押) are
# another authority's temporary measures or a loan's security, not a lapse of the permit's
# conditions; an overdue inspection is veh.inspection's.
REGISTRY_STATUSES = {None: "vehicle_deregistered", "scrapped": "vehicle_deregistered",
                     "cancelled": "vehicle_deregistered", "stolen": "vehicle_stolen"}


def raise_alert(*, reference: str, id_number: str, category: str, recorded_on: dt.date,
                detail: str, plate: str | None = None):
    """One new failure into the alert path (``backend.alerts``), as the police's alerts go;
    with ``plate``, about the transport certificate of that vehicle the person holds."""
    from backend.alerts.operations import receive

    return receive(reference=reference, id_number=id_number, category=category,
                   recorded_on=recorded_on, detail=detail, source=SOURCE, actor=ACTOR,
                   plate=plate)


@dataclasses.dataclass(frozen=True)
class Failure:
    key: str  # what ``RecheckHolder.failing`` (``RecheckVehicle.failing``) remembers
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


def transport_certificates(scope: str, day: dt.date) -> sa.Select:
    """The transport certificates in force on ``day``; with ``due``, only those not checked in
    full within ``RECHECK_INTERVAL_DAYS``."""
    query = (sa.select(Certificate)
             .where(Certificate.kind == Kind.TRANSPORT, Certificate.status == Status.VALID,
                    Certificate.valid_until >= day)
             .order_by(Certificate.id))
    if scope == "due":
        since = utcnow() - dt.timedelta(days=current_app.config["RECHECK_INTERVAL_DAYS"])
        query = query.outerjoin(
            RecheckVehicle, RecheckVehicle.certificate_number == Certificate.number).where(
            sa.or_(RecheckVehicle.checked_at.is_(None), RecheckVehicle.checked_at < since))
    return query


def _count(query: sa.Select) -> int:
    return db.session.scalar(sa.select(sa.func.count()).select_from(
        query.order_by(None).subquery()))


def _batches(query: sa.Select, id_column, size: int) -> Iterator[list]:
    """The rows in batches, by id (a batch's alerts may take one out of the query)."""
    last = 0
    while batch := list(db.session.scalars(query.where(id_column > last).limit(size))):
        yield batch
        last = batch[-1].id


# -- one holder --------------------------------------------------------------------------------

Checked = tuple[dict[str, sources.Answer], list[RuleOutcome]]


def check_holders(people: list[Person], day: dt.date) -> list[Checked]:
    """Ask the sources about each of ``people`` (a mirror's questions for all of them at once,
    ``sources.ask_many``) and evaluate the rules for each (reads only)."""
    handler = handler_for(MATTER)
    codes = [code for code in handler.rules_for({}) if code not in NOT_RECHECKED]
    needed = sources_for(codes)  # (not the credit lists: no re-checked rule reads them)
    asked = sources.ask_many([[q for q in handler.questions(_Subject(person)) if q.key in needed]
                              for person in people])
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
        detail = _detail(outcome)
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


def _detail(outcome: RuleOutcome) -> str:
    return (f"{outcome.rule}（{RULES[outcome.rule].legal_basis}）：{outcome.verdict.reason} "
            f"/ {outcome.verdict.reason_en}")


def reference(subject: str, failure: Failure) -> str:
    """The alert's reference: the same failure of the same holder (their ID number) or of the
    same transport certificate (its number) is always the same one (no personal data in it)."""
    digest = hashlib.sha256(f"{subject}|{failure.key}".encode()).hexdigest()
    return f"RC-{digest[:32]}"


# -- one vehicle -------------------------------------------------------------------------------

def check_vehicles(certificates: list[Certificate], day: dt.date) -> list[Checked]:
    """``check_holders`` for transport certificates: each vehicle asked about (the questions
    the re-checked rules read; a mirror's for all of them at once) and held to the permit's
    rules that are conditions of holding it."""
    handler = handler_for(VEHICLE_MATTER)
    codes = [code for code in handler.rules_for({}) if code not in VEHICLE_NOT_RECHECKED]
    needed = sources_for(codes)  # (not the GPS feed, nor the platforms': no rule here reads them)
    subjects = [_Subject(c.holder, {"plate": c.plate, "platform": c.platform_code})
                for c in certificates]
    asked = sources.ask_many([[q for q in handler.questions(subject) if q.key in needed]
                              for subject in subjects])
    checked = []
    for subject, answers in zip(subjects, asked, strict=True):
        context = Context(today=day, config=current_app.config, name=subject.applicant.name,
                          id_number=subject.applicant.id_number, inputs=subject.inputs)
        checked.append((answers, evaluate(codes, Facts(answers), context)))
    return checked


# What a failure of each re-checked vehicle rule is: (category, what makes it this failure, the
# day it began), or None when it does not end the holding. ``what`` is part of the failure's
# key: an insurance renewed and lapsed again, a later inspection overdue, is a new failure.

def _deregistered(facts: dict, day: dt.date):
    status = facts.get("status")  # (None: the registry no longer knows the plate)
    return (REGISTRY_STATUSES[status], status or "unregistered", day) \
        if status in REGISTRY_STATUSES else None


def _owner_changed(facts: dict, day: dt.date):
    return "vehicle_owner_changed", "", day


def _use_nature(facts: dict, day: dt.date):
    return "vehicle_use_nature", facts["use_nature"], day


def _day_after(iso_date: str) -> dt.date:
    return dt.date.fromisoformat(iso_date) + dt.timedelta(days=1)


def _inspection_overdue(facts: dict, day: dt.date):
    until = facts["inspection_valid_until"]
    return "inspection_overdue", until, _day_after(until)


def _insurance_lapsed(facts: dict, day: dt.date):
    latest = facts.get("latest_valid_until")  # (None: no policy on record at all)
    return "insurance_lapsed", latest or "none", _day_after(latest) if latest else day


def _age_limit(facts: dict, day: dt.date):
    """Only the age at which a vehicle leaves service (《暂行办法》第三十九条); the younger
    limits are for applying."""
    if not facts.get("reached_cap"):
        return None
    first = dt.date.fromisoformat(facts["first_registered_on"])
    return "vehicle_age", facts["first_registered_on"], add_years(first, facts["cap_years"])


#: The vehicle rules re-checked: conditions of holding a transport certificate.
HOLDING: dict[str, Callable[[dict, dt.date], tuple[str, str, dt.date] | None]] = {
    "veh.registered": _deregistered, "veh.owner": _owner_changed,
    "veh.use_nature": _use_nature, "veh.inspection": _inspection_overdue,
    "veh.insurance": _insurance_lapsed, "veh.age": _age_limit}


def vehicle_failures(outcomes: list[RuleOutcome], answers: dict[str, sources.Answer],
                     day: dt.date) -> list[Failure]:
    """Each failure of ``outcomes`` that ends the holding (``HOLDING``). A vehicle the registry
    no longer knows fails every rule that reads it: that is one failure, veh.registered's."""
    unregistered = answers[VEHICLE].status == sources.Status.NOT_FOUND
    found = []
    for outcome in outcomes:
        if outcome.verdict.outcome != Outcome.FAIL or (
                unregistered and outcome.rule != "veh.registered"):
            continue
        if holding := HOLDING[outcome.rule](outcome.verdict.facts, day):
            category, what, recorded_on = holding
            found.append(Failure(f"{outcome.rule}:{what}" if what else outcome.rule,
                                 outcome.rule, category, recorded_on, _detail(outcome)))
    return found


# -- a run -------------------------------------------------------------------------------------

@dataclasses.dataclass
class Tally:
    checked: Counter = dataclasses.field(default_factory=Counter)  # Kind -> checked
    incomplete: Counter = dataclasses.field(default_factory=Counter)  # Kind -> not in full
    raised: int = 0
    new: Counter = dataclasses.field(default_factory=Counter)
    refused: Counter = dataclasses.field(default_factory=Counter)
    unreachable: Counter = dataclasses.field(default_factory=Counter)


def run(scope: str = "all", *, actor: str = "cli", batch: int = 500,
        commit: Callable[[], None] = lambda: None) -> RecheckRun:
    """Re-check the holders, then the transport certificates (``all`` or ``due``), committing
    after each batch (``commit``, the command's), and store the run's report."""
    if scope not in ("all", "due"):
        raise ValueError(scope)
    day = today()
    drivers, vehicles = holders(scope, day), transport_certificates(scope, day)
    report = RecheckRun(scope=scope, actor=actor, started_at=utcnow(), new_failures={},
                        alerts_refused={}, unreachable={}, holders=_count(drivers),
                        vehicles=_count(vehicles))
    db.session.add(report)
    db.session.flush()
    commit()
    tally = Tally()
    for people in _batches(drivers, Person.id, batch):
        states = _states(people)
        with db.session.no_autoflush:  # (one flush per batch, not one per holder)
            for person, (answers, outcomes) in zip(people, check_holders(people, day),
                                                   strict=True):
                _recheck(person, answers, outcomes, states, report, tally, day)
        _write_report(report, tally)
        commit()
    for certificates in _batches(vehicles.options(selectinload(Certificate.holder)),
                                 Certificate.id, batch):
        states = _vehicle_states(certificates)
        with db.session.no_autoflush:
            for certificate, (answers, outcomes) in zip(
                    certificates, check_vehicles(certificates, day), strict=True):
                _recheck_vehicle(certificate, answers, outcomes, states, report, tally, day)
        _write_report(report, tally)
        commit()
    report.finished_at = utcnow()
    _write_report(report, tally)
    commit()
    return report


def _write_report(report: RecheckRun, tally: Tally) -> None:
    report.checked, report.incomplete = tally.checked[Kind.DRIVER], tally.incomplete[Kind.DRIVER]
    report.vehicles_checked = tally.checked[Kind.TRANSPORT]
    report.vehicles_incomplete = tally.incomplete[Kind.TRANSPORT]
    report.alerts_raised = tally.raised
    report.new_failures = dict(sorted(tally.new.items()))
    report.alerts_refused = dict(sorted(tally.refused.items()))
    report.unreachable = dict(sorted(tally.unreachable.items()))


def _states(people: list[Person]) -> dict[int, RecheckHolder]:
    ids = [person.id for person in people]
    return {state.person_id: state for state in db.session.scalars(
        sa.select(RecheckHolder).where(RecheckHolder.person_id.in_(ids)))}


def _vehicle_states(certificates: list[Certificate]) -> dict[str, RecheckVehicle]:
    numbers = [certificate.number for certificate in certificates]
    return {state.certificate_number: state for state in db.session.scalars(
        sa.select(RecheckVehicle).where(RecheckVehicle.certificate_number.in_(numbers)))}


def _recheck(person: Person, answers: dict[str, sources.Answer], outcomes: list[RuleOutcome],
             states: dict[int, RecheckHolder], report: RecheckRun, tally: Tally,
             day: dt.date) -> None:
    state = states.get(person.id) or RecheckHolder(person_id=person.id, failing=[])
    _settle(state, Kind.DRIVER, answers, outcomes, failures(outcomes, answers, day),
            lambda failure: _alert(person, failure, tally, subject=person.id_number),
            report, tally)


def _recheck_vehicle(certificate: Certificate, answers: dict[str, sources.Answer],
                     outcomes: list[RuleOutcome], states: dict[str, RecheckVehicle],
                     report: RecheckRun, tally: Tally, day: dt.date) -> None:
    state = (states.get(certificate.number)
             or RecheckVehicle(certificate_number=certificate.number, failing=[]))
    _settle(state, Kind.TRANSPORT, answers, outcomes, vehicle_failures(outcomes, answers, day),
            lambda failure: _alert(certificate.holder, failure, tally,
                                   subject=certificate.number, plate=certificate.plate),
            report, tally)


def _settle(state: RecheckHolder | RecheckVehicle, kind: Kind,
            answers: dict[str, sources.Answer], outcomes: list[RuleOutcome],
            current: list[Failure], alert: Callable[[Failure], bool], report: RecheckRun,
            tally: Tally) -> None:
    """What one holder's (one vehicle's) answers change: logged; each new failure ``alert``ed;
    the failures known kept while they fail or cannot be asked about; the time of the last
    full check."""
    sources.log(answers.values(), requester=ACTOR, purpose=f"recheck-run:{report.id}")
    silent = {a.question.source for a in answers.values() if a.status == sources.Status.UNAVAILABLE}
    tally.checked[kind] += 1
    tally.unreachable.update(silent)
    tally.incomplete[kind] += bool(silent)
    unknown = {o.rule for o in outcomes if o.verdict.outcome == Outcome.UNKNOWN}
    kept = [key for key in state.failing if key.split(":")[0] in unknown]
    known = set(state.failing)
    raised = [f for f in current if f.key in known or alert(f)]
    state.failing = sorted({*kept, *(f.key for f in raised)})
    state.last_run_id = report.id
    if not silent:
        state.checked_at = utcnow()
    db.session.add(state)


def _alert(person: Person, failure: Failure, tally: Tally, *, subject: str,
           plate: str | None = None) -> bool:
    """Raise the new failure as an alert; False when the alert path refused it (it is tried
    again next run)."""
    tally.new[failure.rule] += 1
    try:
        with db.session.begin_nested():
            raise_alert(reference=reference(subject, failure), id_number=person.id_number,
                        category=failure.category, recorded_on=failure.recorded_on,
                        detail=failure.detail, plate=plate)
            db.session.flush()
    except (ApiError, StaleDataError):  # (refused, or the certificate changed meanwhile)
        tally.refused[failure.rule] += 1
        return False
    tally.raised += 1
    return True


def latest_runs(limit: int = 10) -> list[RecheckRun]:
    return list(db.session.scalars(sa.select(RecheckRun).order_by(RecheckRun.id.desc())
                                   .limit(limit)))
