"""Published dual-compliance figures (public, no personal data): ``GET
/api/v1/public/compliance?month=YYYY-MM``, the month's ranking, the city's rate and trend and the
data-quality table, the same figures as the monthly bulletin (``flask supervision bulletin``)."""

from __future__ import annotations

import marshmallow as ma
from flask_smorest import Blueprint

from backend.supervision import bulletin, compliance
from backend.supervision.dashboard import today

blp = Blueprint("public_compliance", __name__, url_prefix="/api/v1/public",
                description="公开数据 · Published dual-compliance figures")


class MonthQuerySchema(ma.Schema):
    month = ma.fields.String(validate=ma.validate.Regexp(
        r"^[0-9]{4}-[0-9]{2}$", error="月份格式为 YYYY-MM。The month is written YYYY-MM."),
        metadata={"example": "2026-11", "description": "YYYY-MM; the last whole month if omitted"})

    @ma.validates("month")
    def _month(self, value, **_):
        month = compliance.parse_month(value)
        if month is None:
            raise ma.ValidationError("月份格式为 YYYY-MM。The month is written YYYY-MM.")
        if month > today():
            raise ma.ValidationError("这个月份还没有到。That month has not begun.")


class RatesSchema(ma.Schema):
    completed = ma.fields.Integer()
    driver_compliant = ma.fields.Integer()
    vehicle_compliant = ma.fields.Integer()
    dual_compliant = ma.fields.Integer()
    driver_rate = ma.fields.Float(allow_none=True)
    vehicle_rate = ma.fields.Float(allow_none=True)
    dual_rate = ma.fields.Float(allow_none=True, metadata={"description": "双合规完成订单率"})


class RankedSchema(RatesSchema):
    rank = ma.fields.Integer()
    code = ma.fields.String()
    name = ma.fields.String()
    aggregator = ma.fields.Boolean()
    previous_dual_rate = ma.fields.Float(allow_none=True)
    change_points = ma.fields.Float(allow_none=True, metadata={
        "description": "month on month, in percentage points"})


class CitySchema(RatesSchema):
    previous_dual_rate = ma.fields.Float(allow_none=True)
    change_points = ma.fields.Float(allow_none=True)


class TrendSchema(RatesSchema):
    month = ma.fields.String()


class QualitySchema(ma.Schema):
    code = ma.fields.String()
    name = ma.fields.String()
    orders = ma.fields.Integer()
    orders_complete = ma.fields.Integer()
    orders_complete_share = ma.fields.Float(allow_none=True)
    rejected = ma.fields.Integer()
    payments = ma.fields.Integer()
    zero_mile_or_time = ma.fields.Integer()
    pay_without_order = ma.fields.Integer()
    matched_orders = ma.fields.Integer()
    unknown_driver_or_vehicle = ma.fields.Integer()
    consistent_share = ma.fields.Float(allow_none=True)
    positions = ma.fields.Integer()


class ComplianceFiguresSchema(ma.Schema):
    month = ma.fields.String()
    city = ma.fields.Nested(CitySchema)
    ranking = ma.fields.List(ma.fields.Nested(RankedSchema))
    aggregators = ma.fields.List(ma.fields.Nested(RankedSchema))
    named = ma.fields.List(ma.fields.String(), metadata={
        "description": "platforms at 80 % or more (达到 80% 的平台)"})
    trend = ma.fields.List(ma.fields.Nested(TrendSchema))
    quality = ma.fields.List(ma.fields.Nested(QualitySchema))


@blp.get("/compliance")
@blp.arguments(MonthQuerySchema(), location="query")
@blp.response(200, ComplianceFiguresSchema)
@blp.alt_response(422, response="UNPROCESSABLE_ENTITY")
def public_compliance(query):
    """The month's dual-compliance figures as the bulletin publishes them (definition:
    docs/compliance.md); a rate is null when no completed order counted towards it."""
    month = compliance.parse_month(query.get("month")) or compliance.previous_month(today())
    return bulletin.figures(month)
