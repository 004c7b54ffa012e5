"""Applying at the counter (窗口受理): the ``counter`` channel every matter's catalogue entry names.

The applicant presents their ID card; the clerk enters (or the desk reader fills in) the number
and name, which are checked against the police's population register like a kiosk checks a
card. The application then goes through the one submission every channel uses
(``backend.licensing.operations.submit``) with ``channel=counter``, and a matter a clerk decides
on the spot (即办) is decided on the application's page right after.
"""

from __future__ import annotations

import marshmallow as ma

from backend.errors import ApiError
from backend.identity.id_numbers import InvalidIdNumber, validate_id_number
from backend.identity.models import Person
from backend.identity.operations import register_or_update
from backend.licensing.models import Application
from backend.licensing.operations import submit
from backend.licensing.schemas import ApplicationRequestSchema
from backend.matters.models import Matter
from backend.matters.operations import get_matter
from backend.matters.registry import Applicant, Channel, handler_for, matters_on
from backend.verification.sources import Question, ask_all
from backend.verification.sources import Status as SourceStatus

REQUEST = ApplicationRequestSchema()


def counter_matters() -> list[Matter]:
    """The matters a person applies for at the counter (a company's have their own intake)."""
    return [get_matter(code) for code in matters_on(Channel.COUNTER)
            if handler_for(code).applicant == Applicant.PERSON]


def identify(id_number: str, name: str, *, actor: str) -> Person:
    """The person whose ID card the clerk holds, checked against the population register."""
    try:
        id_number = validate_id_number(id_number.strip())
    except InvalidIdNumber as error:
        raise ApiError(422, f"身份证号码有误：{error.message}",
                       f"Invalid ID number: {error.message_en}") from None
    question = Question("identity", "person", {"id_number": id_number})
    answer = ask_all([question], requester=actor, purpose="counter identification")[question.key]
    if answer.status == SourceStatus.UNAVAILABLE:
        raise ApiError(503, "公安人口信息暂时无法核验，请稍后重试。",
                       "The population register cannot be asked right now; try again shortly.")
    if answer.status == SourceStatus.NOT_FOUND:
        raise ApiError(422, "公安人口信息中查无此身份证号码，请核对证件。",
                       "The population register does not know this ID number; check the card.")
    if answer.data["card_reported_lost"]:
        raise ApiError(422, "此身份证已挂失，不能用于办理，请申请人补领身份证后再来。",
                       "This ID card was reported lost and cannot be used.")
    if "".join(answer.data["name"].split()) != "".join(name.split()):
        raise ApiError(422, "姓名与公安人口信息不一致，请核对身份证上的姓名。",
                       "The name does not match the population register; check the card.")
    return register_or_update(id_number, name.strip(), actor=actor, source="counter")


def apply_for(person: Person, matter_code: str, body: dict, *, actor: str,
              intake_id: str) -> Application:
    """Apply for ``person`` at the counter. The body is checked as the app checks it; the
    intake form's id makes a second press of the button return the same application."""
    handler = handler_for(matter_code)
    if handler is not None and handler.applicant != Applicant.PERSON:
        raise ApiError(422, "此事项由企业申请，不能以个人身份在此受理。",
                       "A company applies for this matter; it cannot be taken for a person here.")
    try:
        body = REQUEST.load({"matter": matter_code, **body})
    except ma.ValidationError as error:
        raise ApiError(422, "申请内容有误，请按提示修改后重试。", "Some fields are invalid.",
                       errors={"form": error.messages}) from None
    application, _ = submit(person, body.pop("matter"), body, channel=Channel.COUNTER,
                            actor=actor, idempotency_key=f"counter:{intake_id}")
    return application
