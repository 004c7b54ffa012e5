"""The console's supervision pages (``/console/supervision``): data quality per platform and day,
a chart per platform over the days and the figures beside it (``backend.supervision.quality``).
The same figures are served as JSON to staff by ``backend.supervision.api``."""

from __future__ import annotations

import datetime as dt

from flask import Blueprint, flash, render_template, request

from backend.errors import ApiError
from backend.staff.auth import roles_required
from backend.staff.models import Role
from backend.supervision import quality

supervision_console = Blueprint("supervision_console", __name__, url_prefix="/console/supervision")

DEFAULT_DAYS = 14
# The chart's lines: (label, colour, the share in a day's figures).
SERIES = [
    ("订单完整率 Orders complete", "#1a5fb4",
     lambda f: f["completeness"]["orders_complete_share"]),
    ("许可车辆上报率 Licensed vehicles reporting", "#26a269",
     lambda f: f["completeness"]["licensed_vehicles_reporting_share"]),
    ("订单一致率 Orders consistent", "#c64600", lambda f: f["consistency"]["consistent_share"]),
]
WIDTH, HEIGHT, LEFT, TOP, BOTTOM = 640, 220, 44, 12, 28


def period(args, longest: int = quality.MAX_DAYS) -> tuple[dt.date, dt.date]:
    """The days asked for (``from``, ``to``: YYYY-MM-DD), by default the last two weeks up to
    yesterday in Beijing time. Raises ``ApiError`` (400) for a date that does not parse, a
    period that ends before it starts or one longer than ``longest`` days."""
    yesterday = dt.datetime.now(quality.BEIJING).date() - dt.timedelta(days=1)
    try:
        last = dt.date.fromisoformat(args["to"]) if args.get("to") else yesterday
        first = (dt.date.fromisoformat(args["from"]) if args.get("from")
                 else last - dt.timedelta(days=DEFAULT_DAYS - 1))
    except ValueError:
        raise ApiError(400, "日期格式应为 YYYY-MM-DD，例如 2026-12-05。",
                       "Dates are YYYY-MM-DD, e.g. 2026-12-05.") from None
    if last < first or (last - first).days >= longest:
        raise ApiError(400, f"起止日期须先后有序，且不超过 {longest} 天。",
                       f"'from' must not be after 'to', and a period is at most {longest} days.")
    return first, last


def chart(days: list[dt.date], figures: list[dict]) -> dict:
    """An SVG line chart of the shares (0–100 %) over the days, as coordinates for the template."""
    step = (WIDTH - LEFT - 12) / max(len(days) - 1, 1)

    def x(n: int) -> float:
        return round(LEFT + n * step, 1)

    def y(value: float) -> float:
        return round(TOP + (1 - value) * (HEIGHT - TOP - BOTTOM), 1)

    lines = []
    for label, colour, pick in SERIES:
        points = [(x(n), y(pick(f)), pick(f)) for n, f in enumerate(figures) if pick(f) is not None]
        lines.append({"label": label, "colour": colour, "points": points,
                      "path": " ".join(f"{px},{py}" for px, py, _ in points)})
    ticks = [{"y": y(v / 100), "label": f"{v}%"} for v in (0, 25, 50, 75, 100)]
    labels = [{"x": x(n), "label": day.strftime("%m-%d")} for n, day in enumerate(days)
              if len(days) <= 16 or n % (len(days) // 8 + 1) == 0]
    return {"width": WIDTH, "height": HEIGHT, "left": LEFT, "right": WIDTH - 12,
            "bottom": HEIGHT - BOTTOM, "lines": lines, "ticks": ticks, "labels": labels}


@supervision_console.get("/quality")
@roles_required(Role.CLERK)
def data_quality():
    try:
        first, last = period(request.args)
    except ApiError as error:
        flash(f"{error.message} {error.message_en}", "error")
        first, last = period({})
    platforms = quality.platforms_reporting()
    figures = [f.to_json() for f in quality.quality(platforms, first, last)]
    days = quality.days_between(first, last)
    sections = []
    for platform in platforms:
        own = [f for f in figures if f["platform"] == platform.code]
        sections.append({"platform": platform, "figures": own, "chart": chart(days, own)})
    return render_template("supervision/quality.html", sections=sections, first=first, last=last,
                           series=SERIES)
