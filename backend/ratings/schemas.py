"""Ratings as the app sends and shows them."""

import marshmallow as ma

from backend.common.text import Text
from backend.ratings.models import ONLINE_ITEMS, RatingLevel


class AppRatingRequestSchema(ma.Schema):
    level = ma.fields.Integer(
        required=True, strict=True, validate=ma.validate.Range(min=1, max=5),
        metadata={"description": "5 非常满意, 4 满意, 3 基本满意, 2 不满意, 1 非常不满意"})
    comment = Text(allow_none=True, multiline=True, validate=ma.validate.Length(max=500))
    items = ma.fields.List(ma.fields.String(validate=ma.validate.OneOf(list(ONLINE_ITEMS))),
                           validate=ma.validate.Length(max=len(ONLINE_ITEMS)), metadata={
        "description": "GB/T 39734 evaluation items the rating is about: "
                       + ", ".join(f"{k} ({v})" for k, v in ONLINE_ITEMS.items())})


class FollowUpSchema(ma.Schema):
    status = ma.fields.Function(lambda f: f.state.value, metadata={
        "enum": ["verifying", "rectifying", "calling_back", "closed"]})
    rectify_by = ma.fields.Date()
    deadline_provisional = ma.fields.Function(lambda f: not f.deadline_known)
    founded = ma.fields.Boolean(allow_none=True)
    verification = ma.fields.String(allow_none=True)
    rectification = ma.fields.String(allow_none=True)
    citizen_satisfied = ma.fields.Boolean(allow_none=True)
    citizen_view = ma.fields.String(allow_none=True)


class MyRatingSchema(ma.Schema):
    id = ma.fields.Integer()
    application_number = ma.fields.Function(lambda r: r.application.number)
    channel = ma.fields.String()
    level = ma.fields.Integer()
    label = ma.fields.Function(lambda r: RatingLevel(r.level).label)
    label_en = ma.fields.Function(lambda r: RatingLevel(r.level).label_en)
    comment = ma.fields.String(allow_none=True)
    items = ma.fields.List(ma.fields.String(), allow_none=True)
    created_at = ma.fields.DateTime()
    follow_up = ma.fields.Nested(FollowUpSchema, allow_none=True)


class MyRatingListSchema(ma.Schema):
    items = ma.fields.Nested(MyRatingSchema, many=True)


class ViewRequestSchema(ma.Schema):
    satisfied = ma.fields.Boolean(required=True)
    note = Text(allow_none=True, multiline=True, validate=ma.validate.Length(max=500))
