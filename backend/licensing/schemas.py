"""Marshmallow schemas of applications as the app and the kiosk see them."""

import marshmallow as ma
from werkzeug.routing import BaseConverter

from backend.common.contact import MobileNumber
from backend.common.text import FullMatch, Text
from backend.mailing.schemas import MailingAddressSchema

APPLICATION_NUMBER = r"XM-WYC-[0-9]{8}-[0-9]{6}"
APPLICATION_NUMBER_SHAPE = {"type": "string", "pattern": f"^{APPLICATION_NUMBER}$",
                            "example": "XM-WYC-20261130-000123"}


class ApplicationNumberConverter(BaseConverter):
    """``<application_number:number>`` in a route: only an application number's shape
    matches, so anything else (a NUL, which PostgreSQL cannot even compare) is a 404 before
    any query."""

    regex = APPLICATION_NUMBER


def application_number_parameter(_converter) -> dict:
    """How the OpenAPI document describes the converter's path parameter."""
    return dict(APPLICATION_NUMBER_SHAPE)


IDEMPOTENCY_KEY = r"^[\x21-\x7e]{1,100}$"


class IdempotencyHeaderSchema(ma.Schema):
    """An ``Idempotency-Key`` is 1–100 visible ASCII characters (a UUID fits): a longer one was
    once cut to 100, and two different keys with the same first 100 characters replayed each
    other's application."""

    idempotency_key = ma.fields.String(
        data_key="Idempotency-Key", validate=FullMatch(
            IDEMPOTENCY_KEY, error="Idempotency-Key 应为 1–100 个可见 ASCII 字符（例如 UUID）。"
                                   " 1–100 visible ASCII characters, e.g. a UUID."),
        metadata={"description": "Repeat a POST safely: the same key and body return the same "
                                 "application; a key over 100 characters, or with spaces or "
                                 "control characters, is refused (422)"})


class ApplicationRequestSchema(ma.Schema):
    matter = Text(required=True, validate=ma.validate.Length(max=40), metadata={
        "example": "driver-cert-issue", "description": "A matter's code (GET /api/v1/matters)"})
    phone = MobileNumber(metadata={"example": "13800000000"})
    mailing_address = ma.fields.Nested(MailingAddressSchema)
    plate = Text(validate=ma.validate.Length(max=16), metadata={"example": "闽DD10001"})
    platform = Text(validate=ma.validate.Length(max=40), metadata={"example": "xm-green-ride"})
    reason = Text(multiline=True, validate=ma.validate.Length(max=200), metadata={
        "description": "A reissue's (补发) reason: lost or damaged (遗失, 损毁)"})
    # (the matter's handler loads these with its own schema: every channel is refused alike)
    changes = ma.fields.Dict(keys=ma.fields.String(), metadata={
        "description": "A change matter's new particulars, e.g. driver-cert-change: "
                       "{\"name\", \"platform\", \"address\"} (any of them); "
                       "platform-licence-change: see the README"})
    documents = ma.fields.List(ma.fields.Dict(), metadata={
        "description": "The material presented, e.g. [{\"kind\": \"name_change_proof\", "
                       "\"reference\": \"…\"}] (README: driver certificate change)"})
    # A company's matters (validated by their handler: README, Platform company licence)
    materials = ma.fields.Dict(keys=Text(validate=ma.validate.Length(max=40)),
                               values=ma.fields.Integer(strict=True),
                               metadata={"description": "uploaded material ids by name"})
    licence = ma.fields.Dict(keys=ma.fields.String())


def _rule_title(result, english: bool = False) -> str:
    from backend.licensing.rules import RULES

    rule = RULES.get(result.rule)
    if rule is None:  # (a rule retired since: its code is all there is)
        return result.rule
    return rule.title_en if english else rule.title


class CheckSchema(ma.Schema):
    """One check as the applicant reads it: its title, and what it found (for a pass, what was
    verified; for a fail, why and what to do; for unknown, which department could not be
    asked). The app shows these as they are: it needs no labels of its own."""

    rule = ma.fields.String(metadata={"description": "the rule's code, for programs"})
    title = ma.fields.Function(_rule_title, metadata={"example": "机动车驾驶证"})
    title_en = ma.fields.Function(lambda r: _rule_title(r, english=True),
                                  metadata={"example": "Driving licence"})
    outcome = ma.fields.Function(lambda r: r.outcome.value, metadata={"enum": ["pass", "fail", "unknown"]})
    reason = ma.fields.String(allow_none=True, metadata={"example": "驾驶证准驾车型 C1，有效期至 2031-05-01"})
    reason_en = ma.fields.String(allow_none=True)


class EventSchema(ma.Schema):
    from_state = ma.fields.Function(lambda e: e.from_state.value if e.from_state else None)
    to_state = ma.fields.Function(lambda e: e.to_state.value)
    at = ma.fields.DateTime()
    reason = ma.fields.String(allow_none=True)


class MailingSchema(ma.Schema):
    status = ma.fields.Function(lambda m: m.status.value)
    tracking_number = ma.fields.String(allow_none=True)
    updated_at = ma.fields.DateTime()


CHECKS, MAILING = CheckSchema(many=True), MailingSchema()


class ApplicationSchema(ma.Schema):
    number = ma.fields.String(metadata=APPLICATION_NUMBER_SHAPE)
    matter = ma.fields.String(attribute="matter_code")
    matter_name = ma.fields.Function(lambda a: a.matter.name)
    channel = ma.fields.Function(lambda a: a.channel.value)
    status = ma.fields.Function(lambda a: a.state.value, metadata={"enum": [
        "submitted", "checking", "rejected", "awaiting_exam", "awaiting_review",
        "awaiting_province", "approved", "issued", "withdrawn"]})
    checks = ma.fields.Method("_checks")
    certificate_id = ma.fields.Integer(allow_none=True)
    created_at = ma.fields.DateTime()

    def _checks(self, application):
        from backend.licensing.operations import latest_results

        return CHECKS.dump(latest_results(application))


class DeadlineSchema(ma.Schema):
    working_days = ma.fields.Integer()
    applied_on = ma.fields.Date()
    due = ma.fields.Date()
    provisional = ma.fields.Boolean(metadata={
        "description": "the holiday schedule of a year it spans is not known yet"})
    overdue = ma.fields.Boolean()


DEADLINE = DeadlineSchema()


class ApplicationDetailSchema(ApplicationSchema):
    history = ma.fields.Nested(EventSchema, many=True, attribute="events")
    mailing = ma.fields.Method("_mailing")
    deadline = ma.fields.Method("_deadline", metadata={
        "description": "the statutory time limit in working days (null: decided on the spot)"})
    progress = ma.fields.Method("_progress", metadata={
        "description": "the matter's own steps (the platform licence: the province's included)"})

    def _deadline(self, application):
        from backend.licensing.deadlines import deadline_of

        found = deadline_of(application)
        return DEADLINE.dump(found) if found else None

    def _progress(self, application):
        from backend.matters.registry import handler_for

        handler = handler_for(application.matter_code)
        return handler.progress(application) if handler else None

    def _mailing(self, application):
        items = application.mailing_items
        return MAILING.dump(items[-1]) if items else None


MAX_PAGE = 2**31 - 1  # (past it, the row offset no longer fits the databases' integers)


class ApplicationQuerySchema(ma.Schema):
    page = ma.fields.Integer(
        load_default=1, metadata={"format": "int32"}, validate=ma.validate.Range(
            min=1, max=MAX_PAGE,
            error=f"页码应为 1 到 {MAX_PAGE} 之间的整数 a page from 1 to {MAX_PAGE}"))
    per_page = ma.fields.Integer(load_default=20, validate=ma.validate.Range(min=1, max=100))


class ApplicationPageSchema(ma.Schema):
    items = ma.fields.Nested(ApplicationSchema, many=True)
    page = ma.fields.Integer()
    per_page = ma.fields.Integer()
    total = ma.fields.Integer()
