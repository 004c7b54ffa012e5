"""Published figures of the hotline and of 好差评 (public, no personal data)."""

import marshmallow as ma
from flask_smorest import Blueprint

from backend.hotline import figures
from backend.licensing.operations import today
from backend.ratings import figures as rating_figures

blp = Blueprint("service_kpis", __name__, url_prefix="/api/v1/public",
                description="公开数据 · Published service figures")


class MonthQuerySchema(ma.Schema):
    month = ma.fields.String(metadata={"example": "2026-12",
                                       "description": "YYYY-MM; the current month if omitted"})

    @ma.validates("month")
    def _month(self, value, **_):
        first = figures.parse_month(value)
        if first is None:
            raise ma.ValidationError("月份格式为 YYYY-MM。The month is written YYYY-MM.")
        if first > today():
            raise ma.ValidationError("这个月份还没有到。That month has not begun.")


class HotlineFiguresSchema(ma.Schema):
    month = ma.fields.String()
    taken_in = ma.fields.Integer()
    by_kind = ma.fields.Dict(keys=ma.fields.String(), values=ma.fields.Integer())
    by_channel = ma.fields.Dict(keys=ma.fields.String(), values=ma.fields.Integer())
    immediate_answer_rate = ma.fields.Float(allow_none=True)
    replies_due = ma.fields.Integer()
    on_time_rate = ma.fields.Float(allow_none=True)
    closure_rate = ma.fields.Float(allow_none=True)
    called_back = ma.fields.Integer()
    satisfaction_rate = ma.fields.Float(allow_none=True)
    complaints_upheld = ma.fields.Integer()
    upheld_by_platform = ma.fields.Dict(keys=ma.fields.String(), values=ma.fields.Integer(),
                                        metadata={"description": "by the ride's platform code"})


class RatingFiguresSchema(ma.Schema):
    rated = ma.fields.Integer()
    by_level = ma.fields.Dict(keys=ma.fields.String(), values=ma.fields.Integer())
    by_channel = ma.fields.Dict(keys=ma.fields.String(), values=ma.fields.Integer())
    satisfaction_rate = ma.fields.Float(allow_none=True)
    bad = ma.fields.Integer()
    called_back_rate = ma.fields.Float(allow_none=True)
    rectification_rate = ma.fields.Float(allow_none=True)
    rectified_on_time_rate = ma.fields.Float(allow_none=True)


class ServiceKpisSchema(ma.Schema):
    month = ma.fields.String()
    hotline = ma.fields.Nested(HotlineFiguresSchema)
    ratings = ma.fields.Nested(RatingFiguresSchema)


@blp.get("/service-kpis")
@blp.arguments(MonthQuerySchema(), location="query")
@blp.response(200, ServiceKpisSchema)
@blp.alt_response(422, response="UNPROCESSABLE_ENTITY")
def service_kpis(query):
    """The month's 12328 and 好差评 figures (definitions in the README); a rate is null when
    nothing counted towards it."""
    first = figures.parse_month(query.get("month")) or today().replace(day=1)
    return {"month": f"{first:%Y-%m}", "hotline": figures.month(first),
            "ratings": rating_figures.month(first, figures.shift(first, 1))}
