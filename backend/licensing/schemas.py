"""Marshmallow schemas of applications as the app and the kiosk see them."""

import marshmallow as ma

from backend.common.text import Text
from backend.mailing.schemas import MailingAddressSchema


class ApplicationRequestSchema(ma.Schema):
    matter = Text(required=True, validate=ma.validate.Length(max=40))
    phone = ma.fields.String(validate=ma.validate.Regexp(
        r"^1\d{10}$", error="请填写11位手机号码 an 11-digit mobile number"))
    mailing_address = ma.fields.Nested(MailingAddressSchema)
    plate = Text(validate=ma.validate.Length(max=16))
    platform = Text(validate=ma.validate.Length(max=40))
    reason = Text(multiline=True, validate=ma.validate.Length(max=200))
    # A company's matters (validated by their handler: README, Platform company licence)
    materials = ma.fields.Dict(keys=Text(validate=ma.validate.Length(max=40)),
                               values=ma.fields.Integer(strict=True),
                               metadata={"description": "uploaded material ids by name"})
    licence = ma.fields.Dict(keys=ma.fields.String())
    changes = ma.fields.Dict(keys=ma.fields.String())


class CheckSchema(ma.Schema):
    rule = ma.fields.String()
    outcome = ma.fields.Function(lambda r: r.outcome.value, metadata={"enum": ["pass", "fail", "unknown"]})
    reason = ma.fields.String(allow_none=True)
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
    number = ma.fields.String(metadata={"example": "XM-WYC-20261130-000123"})
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


class ApplicationQuerySchema(ma.Schema):
    page = ma.fields.Integer(load_default=1, validate=ma.validate.Range(min=1))
    per_page = ma.fields.Integer(load_default=20, validate=ma.validate.Range(min=1, max=100))


class ApplicationPageSchema(ma.Schema):
    items = ma.fields.Nested(ApplicationSchema, many=True)
    page = ma.fields.Integer()
    per_page = ma.fields.Integer()
    total = ma.fields.Integer()
