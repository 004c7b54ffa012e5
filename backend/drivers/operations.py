"""The driver certificate (《网络预约出租汽车驾驶员证》) matters and the exams.

``driver-cert-issue`` checks every driver rule at once (零材料) and waits for the exams;
reissue, renewal and cancellation need a current certificate and complete in one request.
A change (变更) of the name, service company or address is checked where each is held and
decided by a clerk on the spot, who sees the material; every new version replaces the old.
"""

from __future__ import annotations

import datetime as dt

import marshmallow as ma
import sqlalchemy as sa
from flask import current_app, g

from backend.audit.operations import record
from backend.certificates import operations as certificates
from backend.certificates.models import Certificate, Kind, Status
from backend.db import db
from backend.drivers import exams, rules
from backend.drivers.models import SUBJECT_NAMES, SUBJECTS, ExamAttempt
from backend.drivers.schemas import CHANGE_REQUEST
from backend.errors import ApiError
from backend.identity.models import Person
from backend.licensing import operations as licensing
from backend.licensing import replacement
from backend.licensing.models import Application, State
from backend.licensing.rules import add_years
from backend.mailing.operations import queue_item
from backend.matters.registry import ALL_CHANNELS, APP_AND_COUNTER, Handler, handles
from backend.verification import sources
from backend.verification.sources import Question


def driver_certificate_of(person: Person) -> Certificate | None:
    """The person's driver certificate in force today."""
    certificate = certificates.current_certificate(person, Kind.DRIVER)
    if certificate and certificate.effective_status(licensing.today()) == Status.VALID:
        return certificate
    return None


def _issuing_application(certificate: Certificate) -> Application | None:
    return db.session.scalar(sa.select(Application)
                             .where(Application.certificate_id == certificate.id))


PHOTO_MISSING = ("未能从公安机关人口信息中取得持证人的身份证照片，驾驶员证须印有本人照片，已转人工审核。"
                 "工作人员取得照片后即发证；如您的身份证照片尚未登记，请到户籍所在地派出所办理。"
                 " No ID-card photo of the holder could be had from the population register; a "
                 "driver certificate carries one, so a clerk issues it once the photo is there.")


def _photo_question(person: Person) -> Question:
    return Question("identity", "photo", {"id_number": person.id_number})


def prefetch_photo(person: Person) -> None:
    """Ask for the photo while the request only reads (a matter's ``prepare``), so a slow
    identity department is not waited for inside the writing transaction (README, How a
    decision is written); ``holder_photo`` takes the answer from here."""
    question = _photo_question(person)
    g.setdefault("photo_answers", {})[person.id_number] = sources.ask([question])[question.key]


def holder_photo(application: Application, *, actor: str) -> bytes | None:
    """The applicant's ID-card photo from the identity source (the query logged for the
    application), or None when the register holds none or cannot be asked."""
    person = application.applicant
    answer = g.get("photo_answers", {}).pop(person.id_number, None)
    if answer is None:
        question = _photo_question(person)
        answer = sources.ask([question])[question.key]
    sources.log([answer], requester=actor, purpose=application)
    return sources.photo_of(answer)


def _photo_or_review(application: Application, *, actor: str) -> bytes | None:
    """The photo a new version prints. Without one nothing is issued: the application waits
    for a clerk with the reason; a clerk approving while it is still missing is refused."""
    photo = holder_photo(application, actor=actor)
    if photo is None:
        if application.state == State.AWAITING_REVIEW:
            raise ApiError(409, "仍未能从公安机关人口信息中取得持证人照片，驾驶员证不能无照片签发，"
                                "请待照片登记后再批准。",
                           "The holder's photo is still not to be had from the population "
                           "register; a driver certificate is not issued without it.")
        licensing.transition(application, State.AWAITING_REVIEW, actor=actor,
                             reason=PHOTO_MISSING)
    return photo


def issue_driver_certificate(application: Application, *, actor: str,
                             previous: Certificate | None = None) -> Certificate | None:
    """Issue (or renew/reissue into) a driver certificate and queue it for the post; None
    when the holder's photo is missing (the application then waits for a clerk). It prints
    the holder's name as verified now and the register's photo; a renewal or copy keeps the
    address and service company of the one it replaces."""
    photo = _photo_or_review(application, actor=actor)
    if photo is None:
        return None
    person = application.applicant
    starts = licensing.today()
    if application.matter_code == "driver-cert-reissue" and previous is not None:
        starts, ends = previous.valid_from, previous.valid_until  # a copy keeps its dates
    else:
        ends = add_years(starts, current_app.config["DRIVER_CERT_VALID_YEARS"]) - dt.timedelta(days=1)
    return _issue_version(application, actor=actor, previous=previous, valid_from=starts,
                          valid_until=ends, holder_name=person.name,
                          address=previous.address if previous else person.address,
                          platform_code=previous.platform_code if previous else None,
                          photo=photo)


def _issue_version(application: Application, *, actor: str, previous: Certificate | None,
                   **fields) -> Certificate:
    if application.state != State.APPROVED:
        licensing.transition(application, State.APPROVED, actor=actor)
    person = application.applicant
    certificate = certificates.issue(kind=Kind.DRIVER, number=person.id_number, holder=person,
                                     actor=actor, previous=previous, **fields)
    application.certificate = certificate
    if application.mailing_address:
        queue_item(certificate, application, actor=actor)
    licensing.transition(application, State.ISSUED, actor=actor)
    return certificate


def _mailing_address(person: Person, body: dict) -> dict | None:
    address = body.get("mailing_address") or person.last_mailing_address
    if address and address != person.last_mailing_address:
        person.last_mailing_address = address
    return address


def _require_certificate(person: Person) -> Certificate:
    certificate = driver_certificate_of(person)
    if certificate is None:
        _refuse_while_suspended(person)
        raise ApiError(409, "您目前没有有效的网约车驾驶员证，无法办理此事项。",
                       "You hold no valid driver certificate for this matter.")
    return certificate


def _refuse_while_suspended(person: Person) -> None:
    """A suspended certificate is being dealt with (backend/alerts): no matter on it, and no new
    one, until a clerk revokes or reinstates it; the holder is told where to see why."""
    if certificates.current_certificate(person, Kind.DRIVER, Status.SUSPENDED) is not None:
        raise ApiError(409, "您的网约车驾驶员证已暂停使用，正在依法处理，处理完毕前不能办理此事项。"
                       "暂停的原因和异议方式见「我的证照 · 暂停与异议」。",
                       "Your driver certificate is suspended and being dealt with; this matter "
                       "cannot be done until it is decided. Why, and how to object: My "
                       "certificates · Suspensions.")


class _DriverMatter(Handler):
    def questions(self, application: Application) -> list[Question]:
        return rules.driver_questions(application.applicant.id_number)


def _one_at_a_time_on_the_certificate(person: Person) -> str:
    """The open key of every matter on a held certificate (renew, reissue, cancel, change): one
    of them open at a time, so a renewal cannot pass a change waiting for its clerk and the
    certificate be replaced under it."""
    return f"driver-certificate:{person.id}"


@handles("driver-cert-issue", rules=rules.DRIVER_RULES, channels=ALL_CHANNELS, mailed=True)
class DriverIssue(_DriverMatter):
    def precondition(self, person: Person) -> None:
        _refuse_while_suspended(person)
        if certificate := driver_certificate_of(person):
            issuing = _issuing_application(certificate)
            raise ApiError(409, "您已持有有效的网约车驾驶员证，无需重复申请。",
                           "You already hold a valid driver certificate.",
                           application_number=issuing.number if issuing else None)

    def prepare(self, person: Person, body: dict) -> dict:
        self.precondition(person)
        if body.get("phone"):
            person.phone = body["phone"]
        return {"mailing_address": _mailing_address(person, body)}

    def approve(self, application: Application, actor: str) -> None:
        if _exams_passed(application):  # (waited for its photo after the exams)
            issue_driver_certificate(application, actor=actor)
            return
        licensing.transition(application, State.AWAITING_EXAM, actor=actor,
                             reason="资格审核通过，请参加考试")
        exams.book_next(application, actor=actor)


class _DriverReplace(_DriverMatter):
    """换发 and 补发: a new version of the certificate held, checked as at its issue."""

    def open_key(self, person: Person, inputs: dict) -> str:
        return _one_at_a_time_on_the_certificate(person)

    def allows(self, certificate: Certificate) -> None:
        """Refuse (an ``ApiError``) when the held ``certificate`` cannot be replaced now."""

    def precondition(self, person: Person) -> None:
        self.allows(_require_certificate(person))

    def prepare(self, person: Person, body: dict) -> dict:
        certificate = _require_certificate(person)
        self.allows(certificate)
        prefetch_photo(person)  # (approved in the same request: the new version prints it)
        return {"mailing_address": _mailing_address(person, body), "certificate_id": certificate.id}

    def approve(self, application: Application, actor: str) -> None:
        previous = db.session.get(Certificate, application.inputs["certificate_id"])
        if previous.effective_status(licensing.today()) != Status.VALID:
            raise ApiError(409, "原证件已不再有效，无法补发或换发。",
                           "The certificate is no longer valid.")
        issue_driver_certificate(application, actor=actor, previous=previous)


@handles("driver-cert-renew", rules=rules.DRIVER_RULES, channels=ALL_CHANNELS, mailed=True)
class DriverRenew(_DriverReplace):
    def allows(self, certificate: Certificate) -> None:
        replacement.require_renewal_window(certificate, licensing.today())


@handles("driver-cert-reissue", rules=rules.DRIVER_RULES, channels=ALL_CHANNELS, mailed=True)
class DriverReissue(_DriverReplace):
    def allows(self, certificate: Certificate) -> None:
        replacement.require_reissue_allowed(certificate, self.code)

    def prepare(self, person: Person, body: dict) -> dict:
        return {**super().prepare(person, body), "reason": replacement.reissue_reason(body)}


@handles("driver-cert-cancel", channels=ALL_CHANNELS)
class DriverCancel(Handler):
    def precondition(self, person: Person) -> None:
        _require_certificate(person)

    def open_key(self, person: Person, inputs: dict) -> str:
        return _one_at_a_time_on_the_certificate(person)

    def prepare(self, person: Person, body: dict) -> dict:
        return {"certificate_id": _require_certificate(person).id}

    def approve(self, application: Application, actor: str) -> None:
        certificate = db.session.get(Certificate, application.inputs["certificate_id"])
        db.session.flush()  # (the application's number, for the reason)
        certificates.set_status(certificate, Status.CANCELLED, actor=actor,
                                reason=f"持证人申请注销（{application.number}）")
        application.certificate = certificate
        licensing.transition(application, State.APPROVED, actor=actor, reason="证件已注销")


# -- change (变更) ---------------------------------------------------------------------------------

def printed_particulars(certificate: Certificate) -> dict:
    """What a driver certificate version prints that a change may change."""
    return {"name": certificate.holder_name or certificate.holder.name,
            "platform": certificate.platform_code, "address": certificate.address}


def _change_request(body: dict) -> dict:
    try:
        return CHANGE_REQUEST.load({key: body[key] for key in ("changes", "documents")
                                    if body.get(key) is not None})
    except ma.ValidationError as error:
        raise ApiError(422, "变更申请填写有误，请按提示修改后重试。",
                       "The change request is invalid; please correct it.",
                       errors={"json": error.messages}) from None


def _actual_changes(certificate: Certificate, requested: dict) -> dict:
    printed = printed_particulars(certificate)
    changes = {field: value for field, value in requested.items() if value != printed[field]}
    if not changes:
        raise ApiError(422, "所填内容与您现在的驾驶员证一致，无需变更。",
                       "Nothing differs from your current certificate; there is nothing to change.")
    return changes


def change_driver_certificate(application: Application, previous: Certificate, *,
                              actor: str) -> Certificate | None:
    """The new version with the changed particulars, in the old one's term; the old is replaced.
    None when the holder's photo is missing (nothing changed; a clerk's approval is refused)."""
    photo = _photo_or_review(application, actor=actor)
    if photo is None:
        return None
    changes, printed = application.inputs["changes"], printed_particulars(previous)
    person = application.applicant
    if "name" in changes and person.name != changes["name"]:
        record(actor, "person.updated", "person", person.id, before={"name": person.name},
               after={"name": changes["name"], "source": application.matter_code})
        person.name = changes["name"]
    particulars = {**printed, **changes}
    certificate = _issue_version(
        application, actor=actor, previous=previous, valid_from=previous.valid_from,
        valid_until=previous.valid_until, holder_name=particulars["name"],
        address=particulars["address"], platform_code=particulars["platform"], photo=photo)
    record(actor, "driver_certificate.changed", "certificate", certificate,
           before={field: printed[field] for field in changes},
           after={**changes, "application": application.number,
                  "documents": application.inputs["documents"]})
    return certificate


@handles("driver-cert-change", rules=tuple(rules.CHANGE_RULES.values()), channels=APP_AND_COUNTER,
         mailed=True, to_clerk=True)
class DriverChange(Handler):
    """变更: not zero-material, decided by a clerk on the spot (即办). A new name must be in the
    police's population register, a new service company in the platform register with a licence
    in force; the material for each change (``drivers.schemas.MATERIALS``) is recorded with
    the application, and the clerk checks it before approving."""

    def precondition(self, person: Person) -> None:
        _require_certificate(person)

    def open_key(self, person: Person, inputs: dict) -> str:
        return _one_at_a_time_on_the_certificate(person)

    def prepare(self, person: Person, body: dict) -> dict:
        certificate = _require_certificate(person)
        request = _change_request(body)
        return {"certificate_id": certificate.id,
                "changes": _actual_changes(certificate, request["changes"]),
                "documents": request["documents"],
                "mailing_address": _mailing_address(person, body)}

    def rules_for(self, inputs: dict) -> tuple[str, ...]:
        return tuple(rules.CHANGE_RULES[field] for field in inputs["changes"]
                     if field in rules.CHANGE_RULES)

    def questions(self, application: Application) -> list[Question]:
        return rules.change_questions(application.applicant.id_number,
                                      application.inputs["changes"])

    def approve(self, application: Application, actor: str) -> None:
        previous = db.session.get(Certificate, application.inputs["certificate_id"])
        if previous.effective_status(licensing.today()) != Status.VALID:
            raise ApiError(409, "原驾驶员证已不再有效，无法变更。",
                           "The certificate is no longer valid, so it cannot be changed.")
        db.session.flush()  # (the application's number, for the audit entry)
        change_driver_certificate(application, previous, actor=actor)


# -- exams --------------------------------------------------------------------------------------

def _exams_passed(application: Application) -> bool:
    if application.id is None:
        return False
    passed = db.session.scalars(sa.select(ExamAttempt.subject).where(
        ExamAttempt.application_id == application.id, ExamAttempt.passed)).all()
    return set(passed) >= set(SUBJECTS)


def record_exam(application: Application, subject: str, score: int, passed: bool, *,
                actor: str) -> None:
    """Record one exam result; both subjects passed issues the certificate."""
    licensing.require_state(application, State.AWAITING_EXAM)
    if subject not in SUBJECTS:
        raise ApiError(422, "考试科目应为全国公共科目（national）或区域科目（regional）。",
                       "subject must be national or regional")
    mark = current_app.config["EXAM_PASS_MARKS"][subject]
    if passed != (score >= mark):
        raise ApiError(422, f"成绩 {score} 分{'达到' if score >= mark else '低于'}及格线 {mark} 分，"
                            f"应记为{'通过' if score >= mark else '未通过'}，请核对。",
                       f"A score of {score} {'reaches' if score >= mark else 'is below'} the pass "
                       f"mark of {mark}: it is {'a pass' if score >= mark else 'a fail'}.")
    already = sa.select(ExamAttempt.id).where(ExamAttempt.application_id == application.id,
                                              ExamAttempt.subject == subject, ExamAttempt.passed)
    if db.session.scalar(already) is not None:
        raise ApiError(409, f"{SUBJECT_NAMES[subject][0]}已考试通过，不能再录入成绩。",
                       f"The {subject} subject has been passed already; nothing is recorded.")
    db.session.add(ExamAttempt(application_id=application.id, subject=subject, score=score,
                               passed=passed, recorded_by=actor))
    record(actor, "exam.recorded", "application", application.number,
           after={"subject": subject, "score": score, "passed": passed})
    attempts = db.session.scalars(sa.select(ExamAttempt)
                                  .where(ExamAttempt.application_id == application.id)).all()
    passed_subjects = {a.subject for a in attempts if a.passed}
    if passed_subjects >= set(SUBJECTS):
        issue_driver_certificate(application, actor=actor)
    else:
        failures = sum(1 for a in attempts if a.subject == subject and not a.passed)
        if not passed and failures >= current_app.config["EXAM_MAX_ATTEMPTS"]:
            licensing.transition(application, State.REJECTED, actor=actor,
                                 reason=f"{SUBJECT_NAMES[subject][0]}考试 {failures} 次未通过，已达补考上限")
        exams.after_result(application, passed=passed, actor=actor)
    db.session.flush()
