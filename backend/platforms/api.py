"""The province's callback: the result of an online-capability review (server to server,
signed; see ``backend.platforms.province`` and the README's interface for the province)."""

from __future__ import annotations

import marshmallow as ma
import sqlalchemy as sa
from flask import request
from flask_smorest import Blueprint

from backend.common.text import Text
from backend.db import db
from backend.errors import ApiError
from backend.platforms import province
from backend.platforms.models import LicenceCase, ProvinceResult

blp = Blueprint("province", __name__, url_prefix="/api/v1/province",
                description="省厅线上服务能力认定回调 · The province's review results (signed)")

SIGNED = [{"in": "header", "name": name, "required": True, "schema": {"type": "string"},
           "description": text} for name, text in (
    ("X-Signature-Timestamp", "Unix seconds, within 5 minutes of ours"),
    ("X-Signature", "hex HMAC-SHA256 under PROVINCE_SECRET of '<timestamp>.' + the raw body"))]


class ResultSchema(ma.Schema):
    class Meta:
        unknown = ma.RAISE

    result = ma.fields.String(required=True, validate=ma.validate.OneOf(
        [r.value for r in ProvinceResult]))
    reasons = ma.fields.List(Text(multiline=True, validate=ma.validate.Length(min=1, max=500)),
                             load_default=list, validate=ma.validate.Length(max=20))
    reference = Text(load_default=None, allow_none=True, validate=ma.validate.Length(max=60))


class AcknowledgedSchema(ma.Schema):
    request_id = ma.fields.String()
    application_number = ma.fields.String()
    recorded = ma.fields.Boolean(metadata={"description": "false: the same result was already recorded"})


@blp.post("/reviews/<request_id>/result")
@blp.doc(parameters=SIGNED)
@blp.response(200, AcknowledgedSchema)
@blp.alt_response(401, response="UNAUTHORIZED")
@blp.alt_response(404, response="NOT_FOUND")
@blp.alt_response(409, response="CONFLICT")
@blp.alt_response(422, response="UNPROCESSABLE_ENTITY")
def result(request_id):
    """Record the province's result of review ``request_id``: certified, or not with reasons.
    The same result sent again is acknowledged with ``recorded: false``."""
    body = request.get_data()
    province.check_signature(body, request.headers.get("X-Signature-Timestamp"),
                             request.headers.get("X-Signature"))
    payload = _payload()
    case = db.session.scalar(sa.select(LicenceCase)
                             .where(LicenceCase.province_request_id == request_id))
    if case is None or case.province_channel != "http":
        raise ApiError(404, "没有该认定请求。", "No such review request.")
    outcome = ProvinceResult(payload["result"])
    acknowledged = {"request_id": request_id, "application_number": case.application.number}
    if case.province_result is not None and province.same_result(case, outcome, payload["reasons"]):
        return {**acknowledged, "recorded": False}
    province.record_result(case, outcome, payload["reasons"], reference=payload["reference"],
                           actor="province:callback")
    return {**acknowledged, "recorded": True}


def _payload() -> dict:
    """The JSON body, checked after the signature (an unsigned body is never parsed)."""
    data = request.get_json(silent=True)
    if not isinstance(data, dict):
        raise ApiError(400)
    try:
        return ResultSchema().load(data)
    except ma.ValidationError as error:
        raise ApiError(422, errors={"json": error.messages}) from None
