"""Tickets as the app shows them, and what a citizen sends."""

import marshmallow as ma

from backend.common.masking import mask_personal_data
from backend.common.text import Text
from backend.hotline.models import Kind, Satisfaction, Subject

# What a citizen may file in the app (praise and help too; the agent takes in the same kinds).
KINDS = [k.value for k in Kind]
SUBJECTS = [s.value for s in Subject]


class TicketRequestSchema(ma.Schema):
    kind = ma.fields.String(required=True, validate=ma.validate.OneOf(KINDS), metadata={
        "description": "consultation 咨询, help 求助, suggestion 建议, complaint 投诉, "
                       "report 举报, praise 表扬"})
    subject = ma.fields.String(required=True, validate=ma.validate.OneOf(SUBJECTS), metadata={
        "description": "What it is about: platform, driver, vehicle, or bureau (the bureau's "
                       "own service)"})
    subject_ref = Text(allow_none=True, validate=ma.validate.Length(max=60), metadata={
        "description": "The plate, the driver certificate number, or the platform code"})
    platform = Text(allow_none=True, validate=ma.validate.Length(max=40), metadata={
        "description": "The platform the ride was booked on (routes a ride complaint to it)"})
    matter = Text(allow_none=True, validate=ma.validate.Length(max=40), metadata={
        "description": "The matter it concerns, if any (catalogue code)"})
    text = Text(required=True, multiline=True, validate=ma.validate.Length(min=5, max=2000))


class KioskTicketRequestSchema(TicketRequestSchema):
    phone = ma.fields.String(allow_none=True, validate=ma.validate.Regexp(
        r"^1\d{10}$", error="请填写11位手机号码 an 11-digit mobile number"), metadata={
        "description": "Where the SMS reply goes (default: the phone on record)"})


class CallBackSchema(ma.Schema):
    satisfaction = ma.fields.String(required=True, validate=ma.validate.OneOf(
        [s.value for s in Satisfaction]))
    note = Text(allow_none=True, multiline=True, validate=ma.validate.Length(max=500))


class TicketEventSchema(ma.Schema):
    at = ma.fields.DateTime()
    action = ma.fields.String()
    note = ma.fields.String(allow_none=True)


class TicketSchema(ma.Schema):
    number = ma.fields.String(metadata={"example": "12328-20261207-0001"})
    kind = ma.fields.Function(lambda t: t.kind.value)
    channel = ma.fields.Function(lambda t: t.channel.value)
    status = ma.fields.Function(lambda t: t.state.value,
                                metadata={"enum": ["open", "replied", "closed"]})
    subject = ma.fields.Function(lambda t: t.subject.value)
    subject_ref = ma.fields.String(allow_none=True)
    reply_by = ma.fields.Date(metadata={"description": "The reply is due by this day (working "
                                                      "days from the day it was taken in)"})
    deadline_provisional = ma.fields.Function(lambda t: not t.deadline_known, metadata={
        "description": "true when the holiday schedule of the deadline's year is not yet known"})
    reply = ma.fields.String(allow_none=True)
    satisfaction = ma.fields.Function(lambda t: t.satisfaction.value if t.satisfaction else None)
    created_at = ma.fields.DateTime()


class TicketDetailSchema(TicketSchema):
    text = ma.fields.String()
    history = ma.fields.Function(
        lambda t: TicketEventSchema(many=True).dump([e for e in t.events if e.public]))


class TicketListSchema(ma.Schema):
    items = ma.fields.Nested(TicketSchema, many=True)


class PlatformTicketSchema(TicketSchema):
    """A ticket as the platform it is routed to sees it: what was said (ID and mobile numbers
    masked), its deadlines, and its own answer; never the caller's identity."""

    text = ma.fields.Function(lambda t: mask_personal_data(t.text))
    handle_by = ma.fields.Date(metadata={"description": "Answer by this day"})
    finding = ma.fields.String(allow_none=True)


class PlatformTicketListSchema(ma.Schema):
    items = ma.fields.Nested(PlatformTicketSchema, many=True)


class PlatformAnswerSchema(ma.Schema):
    finding = Text(required=True, multiline=True, validate=ma.validate.Length(min=5, max=2000),
                   metadata={"description": "What was found and done, with the basis"})
