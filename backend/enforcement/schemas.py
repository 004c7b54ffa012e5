"""Plate look-ups as the JSON API answers them."""

import marshmallow as ma

from backend.enforcement.models import Result

PLATE_PARAMETER = {"in": "path", "name": "plate", "required": True,
                   "schema": {"type": "string", "maxLength": 20, "example": "闽DD12345"},
                   "description": "The plate, e.g. 闽DD12345 (闽D·D12345 and lower case letters "
                                  "are accepted), percent-encoded UTF-8 in the URL"}


class PublicPlateSchema(ma.Schema):
    plate = ma.fields.String(metadata={"example": "闽DD12345"})
    licensed = ma.fields.Boolean(metadata={
        "description": "true: a licensed 网约车 (its transport certificate is in force today)"})
    platform = ma.fields.String(allow_none=True, metadata={
        "description": "The platform it is licensed to serve; null when not licensed"})


class CertificateSummarySchema(ma.Schema):
    number = ma.fields.String()
    version = ma.fields.Integer()
    status = ma.fields.String(metadata={"description": "valid, suspended, revoked, cancelled, "
                                                       "expired or replaced, as of today"})
    valid_from = ma.fields.Date()
    valid_until = ma.fields.Date()


class PlatformSummarySchema(ma.Schema):
    code = ma.fields.String()
    name = ma.fields.String()


class LastSeenSchema(ma.Schema):
    at = ma.fields.DateTime()
    camera = ma.fields.String()
    lat = ma.fields.Float()
    lon = ma.fields.Float()
    result = ma.fields.String(metadata={"enum": [r.value for r in Result]})


class StaffPlateSchema(ma.Schema):
    plate = ma.fields.String(metadata={"example": "闽DD12345"})
    licensed = ma.fields.Boolean()
    status = ma.fields.String(metadata={
        "description": "licensed; else the status of the plate's latest certificate "
                       "(suspended, revoked, cancelled, expired, replaced); none: it never had one"})
    certificate = ma.fields.Nested(CertificateSummarySchema, allow_none=True, metadata={
        "description": "The certificate in force, else the latest one"})
    platform = ma.fields.Nested(PlatformSummarySchema, allow_none=True)
    blacklisted = ma.fields.Boolean(metadata={"description": "On the 黑名单 now"})
    last_seen = ma.fields.Nested(LastSeenSchema, allow_none=True, metadata={
        "description": "The latest camera read of the plate"})
    last_position_at = ma.fields.DateTime(allow_none=True, metadata={
        "description": "When a platform last reported the car's position (to within a minute)"})
    open_alert = ma.fields.Integer(allow_none=True, metadata={
        "description": "The open suspected-illegal-operation alert of the plate, if any"})
