"""The transport certificate (《网络预约出租汽车运输证》) from application to cancellation.

``vehicle-permit-issue`` is decided by the system in the request that submits it.
Cancellation, reissue and renewal go to a clerk's queue and are decided on the spot (即办)
through ``backend.licensing.operations.decide``, which calls the handler's ``approve``.

One vehicle, one platform is held by the database: ``certificates.valid_plate`` is unique and
set only while a transport certificate is valid or suspended (a suspended one may be reinstated,
so the vehicle still holds it). The rule ``veh.single_platform`` explains the
usual case to the owner; the constraint settles the race the rule cannot see (two requests
checked before either issued): the certificate is inserted in a savepoint, and the loser's
savepoint is rolled back and its application rejected with ``veh.single_platform`` failing.
"""

from __future__ import annotations

import datetime as dt
import re

import sqlalchemy as sa
from flask import current_app

from backend.certificates import operations as certificates
from backend.certificates.models import Certificate, Kind, Status
from backend.common.counters import next_value
from backend.db import db
from backend.errors import ApiError
from backend.identity.models import Person
from backend.licensing import operations as licensing
from backend.licensing import replacement
from backend.licensing.models import Application, Outcome, RuleResult, State
from backend.licensing.rules import add_years
from backend.mailing.operations import queue_item
from backend.matters.registry import APP_AND_COUNTER, Handler, handles
from backend.vehicles import rules
from backend.vehicles.plates import InvalidPlate, normalise_plate
from backend.vehicles.sources import VEHICLE, platform_name, vehicle_questions
from backend.verification.sources import Question, ask_all
from backend.verification.sources import Status as SourceStatus

NUMBER_COUNTER = "transport_certificate"


# -- reading the registers --------------------------------------------------------------------

# (built once: every vehicle matter asks it, and building costs more than running)
HOLDING = (sa.select(Certificate).where(Certificate.valid_plate == sa.bindparam("plate"))
           .execution_options(autoflush=False))


def holding_certificate(plate: str) -> Certificate | None:
    """The certificate holding ``valid_plate`` for ``plate`` (valid, or suspended), as stored:
    nothing this request is deciding is written for it (no autoflush)."""
    return db.session.scalar(HOLDING, {"plate": plate})


def _holding(plate: str, status: Status) -> Certificate | None:
    """The certificate holding the plate, if its status today is ``status`` (one past its end
    date that no job has marked yet reads as expired)."""
    certificate = holding_certificate(plate)
    if certificate and certificate.effective_status(licensing.today()) == status:
        return certificate
    return None


def valid_transport_certificate(plate: str) -> Certificate | None:
    """The plate's valid transport certificate, if in date."""
    return _holding(plate, Status.VALID)


def transport_certificate_number(sequence: int, pattern: str) -> str:
    """Put the sequence number, zero-padded, in place of the pattern's last run of X's."""
    runs = list(re.finditer("X+", pattern))
    if not runs:
        raise ValueError("TRANSPORT_CERT_NUMBER_PATTERN needs a run of X's for the sequence")
    run = runs[-1]
    return f"{pattern[:run.start()]}{sequence:0{len(run.group())}d}{pattern[run.end():]}"


def transport_validity(first_registered_on: dt.date, starts: dt.date) -> dt.date:
    """Last valid day: the day before the vehicle's 8th registration anniversary, or the
    configured longest term from ``starts``, whichever comes first."""
    config = current_app.config
    retires = add_years(first_registered_on, config["VEHICLE_MAX_AGE_YEARS"])
    longest = add_years(starts, config["TRANSPORT_CERT_MAX_YEARS"])
    return min(retires, longest) - dt.timedelta(days=1)


# -- preparing a request ----------------------------------------------------------------------

def _invalid(field: str, message: str, message_en: str) -> ApiError:
    return ApiError(422, message, message_en, errors={"json": {field: [f"{message} {message_en}"]}})


def _plate(body: dict) -> str:
    if not body.get("plate"):
        raise _invalid("plate", "请填写车牌号码。", "The plate number is required.")
    try:
        return normalise_plate(body["plate"])
    except InvalidPlate as error:
        raise _invalid("plate", error.message, error.message_en) from None


def _platform_code(body: dict) -> str:
    code = (body.get("platform") or "").strip()
    if not code:
        raise _invalid("platform", "请选择车辆服务的网约车平台。", "Choose the platform the vehicle will serve.")
    return code


def _mailing_address(person: Person, body: dict) -> dict | None:
    if body.get("mailing_address") and body["mailing_address"] != person.last_mailing_address:
        person.last_mailing_address = body["mailing_address"]  # (unchanged: nothing to flush)
    return body.get("mailing_address") or person.last_mailing_address


def _held_certificate(person: Person, plate: str) -> Certificate:
    """The person's valid transport certificate for ``plate``; 409 when there is none."""
    certificate = valid_transport_certificate(plate)
    if certificate is None or certificate.holder_id != person.id:
        suspended = _holding(plate, Status.SUSPENDED)
        if suspended is not None and suspended.holder_id == person.id:
            raise ApiError(409, f"车辆 {plate} 的网约车运输证已暂停使用，正在依法处理，处理完毕前不能办理此事项。"
                           "暂停的原因和异议方式见「我的证照 · 暂停与异议」。",
                           f"The transport certificate of {plate} is suspended and being dealt "
                           "with; this matter cannot be done until it is decided. Why, and how "
                           "to object: My certificates · Suspensions.")
        raise ApiError(409, f"您名下没有车辆 {plate} 有效的网约车运输证，无法办理此事项。",
                       f"You hold no valid transport certificate for {plate}.")
    return certificate


# -- issuing ---------------------------------------------------------------------------------

def _first_registered_on(application: Application, actor: str) -> dt.date:
    """From this decision's facts; asked again when the registry was silent at checking time."""
    result = licensing.latest_result(application, "veh.age")
    if result is not None and "first_registered_on" in result.facts:
        return dt.date.fromisoformat(result.facts["first_registered_on"])
    answer = ask_all([Question("vehicle_registry", "vehicle", {"plate": application.inputs["plate"]})],
                     requester=actor, purpose=application)[VEHICLE]
    if answer.status != SourceStatus.FOUND:
        raise ApiError(503, "暂时无法从车管所取得车辆注册日期，请稍后再试。",
                       "The vehicle registry cannot give the first registration date right now.")
    return dt.date.fromisoformat(answer.data["first_registered_on"])


def _expire_lapsed(plate: str, actor: str) -> None:
    """A certificate past its end date that no job has marked yet still holds the plate."""
    if (lapsed := _holding(plate, Status.EXPIRED)) is not None:
        certificates.set_status(lapsed, Status.EXPIRED, actor=actor, reason="有效期届满 expired")


def issue_transport_certificate(application: Application, actor: str) -> None:
    """Issue the certificate of an approved vehicle permit and queue it for the post.

    The plate's uniqueness among valid certificates settles a race the checks could not see:
    the issuing runs in a savepoint, its number drawn from the counter there; if another
    request has just taken the plate, the savepoint takes back everything of the issuing (the
    number too) and the application is rejected instead (``_lose_to``).
    """
    plate = application.inputs["plate"]
    starts = licensing.today()
    ends = transport_validity(_first_registered_on(application, actor), starts)
    if ends < starts:
        raise ApiError(409, "车辆注册登记已满规定年限，不能核发运输证。",
                       "The vehicle has reached its age limit; no certificate can be issued.")
    db.session.flush()  # (what came before is not part of the contest)
    try:
        with db.session.begin_nested():
            _issue(application, starts, ends, actor)
    except sa.exc.IntegrityError:
        winner = holding_certificate(plate)
        if winner is None:
            raise
        _lose_to(application, winner, actor)


def _issue(application: Application, starts: dt.date, ends: dt.date, actor: str) -> None:
    plate, code = application.inputs["plate"], application.inputs["platform"]
    licensing.transition(application, State.APPROVED, actor=actor)
    _expire_lapsed(plate, actor)
    number = transport_certificate_number(next_value(NUMBER_COUNTER),
                                          current_app.config["TRANSPORT_CERT_NUMBER_PATTERN"])
    certificate = certificates.issue(
        kind=Kind.TRANSPORT, number=number, holder=application.applicant, valid_from=starts,
        valid_until=ends, actor=actor, plate=plate, platform_code=code, valid_plate=plate)
    _deliver(application, certificate, actor)
    db.session.flush()


def _deliver(application: Application, certificate: Certificate, actor: str) -> None:
    application.certificate = certificate
    if application.mailing_address:
        queue_item(certificate, application, actor=actor)
    licensing.transition(application, State.ISSUED, actor=actor)


def _lose_to(application: Application, winner: Certificate, actor: str) -> None:
    """Another certificate holds the plate (issued by another request just now, or suspended
    since the checks ran): reject with the rule failing."""
    if winner.status == Status.SUSPENDED:
        reason, reason_en = rules.suspended_reason(winner.number)
    elif winner.platform_code == application.inputs["platform"]:
        reason = (f"该车辆刚刚已取得服务于平台「{platform_name(winner.platform_code)}」的有效运输证（{winner.number}），"
                  "无需重复申请。")
        reason_en = (f"The vehicle has just been issued a valid transport certificate "
                     f"({winner.number}) for platform {platform_name(winner.platform_code)}.")
    else:
        reason = rules.single_platform_reason(winner.platform_code)
        reason_en = rules.single_platform_reason_en(winner.platform_code)
    result = licensing.latest_result(application, "veh.single_platform")
    if result is None:
        run = max((r.run for r in application.rule_results), default=1)
        result = RuleResult(run=run, rule="veh.single_platform", query_ids=[])
        application.rule_results.append(result)
    result.outcome, result.reason, result.reason_en = Outcome.FAIL, reason, reason_en
    result.facts = {"held_for_platform": winner.platform_code, "number": winner.number,
                    "decided_by": "database constraint (one vehicle, one platform)"}
    licensing.transition(application, State.REJECTED, actor=actor, reason=reason)


# -- the matters -----------------------------------------------------------------------------

class _VehicleMatter(Handler):
    def open_key(self, person: Person, inputs: dict) -> str:
        """One open vehicle matter per plate, whoever applies."""
        return f"vehicle:{inputs['plate']}"


@handles("vehicle-permit-issue", rules=rules.VEHICLE_RULES, channels=APP_AND_COUNTER, mailed=True)
class VehiclePermitIssue(_VehicleMatter):
    def prepare(self, person: Person, body: dict) -> dict:
        plate, code = _plate(body), _platform_code(body)
        held = valid_transport_certificate(plate)
        if held is not None and held.platform_code == code:
            raise ApiError(409, f"车辆 {plate} 已持有服务于该平台的有效运输证（{held.number}），无需重复申请；"
                           "遗失或损毁请申请补发，到期请申请换发。",
                           f"{plate} already holds a valid transport certificate for this platform.")
        return {"plate": plate, "platform": code, "applied_on": licensing.today().isoformat(),
                "mailing_address": _mailing_address(person, body)}

    def questions(self, application: Application) -> list[Question]:
        return vehicle_questions(application.inputs["plate"], application.inputs["platform"])

    def approve(self, application: Application, actor: str) -> None:
        issue_transport_certificate(application, actor)


def _certificate_of(application: Application) -> Certificate:
    """The certificate the application is about, still valid at the clerk's decision."""
    certificate = db.session.get(Certificate, application.inputs["certificate_id"])
    if certificate.effective_status(licensing.today()) != Status.VALID:
        raise ApiError(409, f"运输证 {certificate.number} 已不在有效状态，不能办理。",
                       f"Transport certificate {certificate.number} is no longer valid.")
    return certificate


@handles("vehicle-permit-cancel", channels=APP_AND_COUNTER, to_clerk=True)
class VehiclePermitCancel(_VehicleMatter):
    """Decided by a clerk on the spot: submitting puts it in the review queue."""

    def prepare(self, person: Person, body: dict) -> dict:
        plate = _plate(body)
        return {"plate": plate, "certificate_id": _held_certificate(person, plate).id}

    def approve(self, application: Application, actor: str) -> None:
        certificate = _certificate_of(application)
        certificates.set_status(certificate, Status.CANCELLED, actor=actor,
                                reason=f"车辆所有人申请注销（{application.number}）")
        application.certificate = certificate
        licensing.transition(application, State.APPROVED, actor=actor,
                             reason="运输证已注销，该车辆可以服务其他平台")


@handles("vehicle-cert-reissue", "vehicle-cert-renew", channels=APP_AND_COUNTER, mailed=True,
         to_clerk=True)
class TransportCertificateReplace(_VehicleMatter):
    """补发 keeps the dates of the lost certificate; 换发 starts a new term from today. Decided
    by a clerk on the spot."""

    def prepare(self, person: Person, body: dict) -> dict:
        plate = _plate(body)
        certificate = _held_certificate(person, plate)
        inputs = {"plate": plate, "certificate_id": certificate.id,
                  "mailing_address": _mailing_address(person, body)}
        if self.code == "vehicle-cert-reissue":
            inputs["reason"] = replacement.reissue_reason(body)
            replacement.require_reissue_allowed(certificate, self.code)
        else:
            replacement.require_renewal_window(certificate, licensing.today())
        return inputs

    def approve(self, application: Application, actor: str) -> None:
        previous = _certificate_of(application)
        if application.matter_code == "vehicle-cert-reissue":
            starts, ends = previous.valid_from, previous.valid_until
        else:
            starts = licensing.today()
            ends = transport_validity(_first_registered_on(application, actor), starts)
            if ends < starts:
                raise ApiError(409, "车辆注册登记已满规定年限，不能换发，请办理注销。",
                               "The vehicle has reached its age limit; it cannot be renewed.")
        licensing.transition(application, State.APPROVED, actor=actor)
        certificate = certificates.issue(
            kind=Kind.TRANSPORT, number=previous.number, holder=application.applicant,
            valid_from=starts, valid_until=ends, actor=actor, previous=previous,
            plate=previous.plate, platform_code=previous.platform_code, valid_plate=previous.plate)
        _deliver(application, certificate, actor)
