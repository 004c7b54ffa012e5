"""The supervision dashboard in the staff console (``/console/supervision/compliance``, the
``supervisor`` role): today and the month at a glance, the ministry-style ranking, a chart of
each platform's daily dual-compliance rate and of the city's monthly rate (inline SVG drawn
here, nothing fetched from elsewhere), the intake's data-quality figures and the enforcement
leads, with their CSV export and a page per driver or vehicle. The figures are
``backend.supervision.compliance``'s, the same the staff API and the bulletin give."""

from __future__ import annotations

import csv
import datetime as dt
import hashlib
import hmac
import io

import sqlalchemy as sa
from flask import Blueprint, Response, abort, current_app, render_template, request

from backend.certificates.models import Certificate, Kind, StatusChange
from backend.common.masking import mask_id_number
from backend.db import db
from backend.identity.models import Person
from backend.staff.auth import roles_required
from backend.staff.models import Role
from backend.supervision import compliance, quality

compliance_console = Blueprint("compliance_console", __name__,
                               url_prefix="/console/supervision/compliance")

PALETTE = ["#1a5fb4", "#26a269", "#c64600", "#813d9c", "#986a44", "#e5a50a", "#2190a4",
           "#a51d2d", "#5e5c64", "#3584e4"]
WIDTH, HEIGHT, LEFT, TOP, BOTTOM = 640, 220, 44, 12, 28
LEADS_SHOWN = 50


def today() -> dt.date:
    return dt.datetime.now(compliance.BEIJING).date()


def chosen_month(args) -> dt.date:
    """The month asked for (``month``: YYYY-MM), by default this one (Beijing time)."""
    month = compliance.parse_month(args.get("month"))
    return month if month and month <= today() else today().replace(day=1)


# -- charts (SVG coordinates for the templates) --------------------------------------------------

def _y(value: float) -> float:
    return round(TOP + (1 - value) * (HEIGHT - TOP - BOTTOM), 1)


def _ticks() -> list[dict]:
    return [{"y": _y(v / 100), "label": f"{v}%"} for v in (0, 25, 50, 75, 100)]


def line_chart(days: list[dt.date], lines: list[tuple[str, dict[dt.date, float | None]]]) -> dict:
    """One line per (label, rate by day) over the days, rates 0–1."""
    step = (WIDTH - LEFT - 12) / max(len(days) - 1, 1)
    drawn = []
    for n, (label, rates) in enumerate(lines):
        spots = [(round(LEFT + i * step, 1), _y(rates[day]), rates[day])
                 for i, day in enumerate(days) if rates.get(day) is not None]
        drawn.append({"label": label, "colour": PALETTE[n % len(PALETTE)], "points": spots,
                      "path": " ".join(f"{x},{y}" for x, y, _ in spots)})
    labels = [{"x": round(LEFT + i * step, 1), "label": day.strftime("%m-%d")}
              for i, day in enumerate(days) if i % max(len(days) // 8, 1) == 0]
    return {"width": WIDTH, "height": HEIGHT, "left": LEFT, "right": WIDTH - 12,
            "bottom": HEIGHT - BOTTOM, "lines": drawn, "ticks": _ticks(), "labels": labels}


def bar_chart(trend: list[dict]) -> dict:
    """A bar per month of the city's rate."""
    slot = (WIDTH - LEFT - 12) / max(len(trend), 1)
    bars = []
    for n, month in enumerate(trend):
        rate = month["dual_rate"]
        top = _y(rate) if rate is not None else HEIGHT - BOTTOM
        bars.append({"x": round(LEFT + n * slot + slot * 0.15, 1), "width": round(slot * 0.7, 1),
                     "y": top, "height": round(HEIGHT - BOTTOM - top, 1), "rate": rate,
                     "label": month["month"][2:], "centre": round(LEFT + (n + 0.5) * slot, 1)})
    return {"width": WIDTH, "height": HEIGHT, "left": LEFT, "right": WIDTH - 12,
            "bottom": HEIGHT - BOTTOM, "bars": bars, "ticks": _ticks()}


# -- quality over a month ------------------------------------------------------------------------

def month_quality(platforms, first: dt.date, last: dt.date) -> list[dict]:
    """The intake's data-quality figures summed over the days, per platform."""
    summed = {}
    for figure in quality.quality(platforms, first, last):
        row = summed.setdefault(figure.platform_code, {
            "code": figure.platform_code, "orders": 0, "orders_complete": 0, "rejected": 0,
            "payments": 0, "zero_mile_or_time": 0, "pay_without_order": 0, "matched_orders": 0,
            "unknown_driver_or_vehicle": 0, "positions": 0})
        for name in ("orders", "orders_complete", "payments", "zero_mile_or_time",
                     "pay_without_order", "matched_orders", "unknown_driver_or_vehicle",
                     "positions"):
            row[name] += getattr(figure, name)
        row["rejected"] += sum(figure.rejected.values())
    names = {p.code: p.name for p in platforms}
    rows = []
    for code, row in summed.items():
        row["name"] = names[code]
        row["orders_complete_share"] = quality.share(row["orders_complete"], row["orders"])
        row["consistent_share"] = quality.share(
            row["matched_orders"] - row["unknown_driver_or_vehicle"], row["matched_orders"])
        rows.append(row)
    return rows


# -- leads -------------------------------------------------------------------------------------

def lead_token(kind: str, holder: str) -> str:
    """An opaque name for a lead in URLs (an ID number never appears in a URL or a log)."""
    secret = current_app.config["SECRET_KEY"].encode()
    return hmac.new(secret, f"{kind}|{holder}".encode(), hashlib.sha256).hexdigest()[:24]


def lead_rows(leads: list[compliance.Lead]) -> list[dict]:
    return [{"kind": lead.kind, "kind_label": "司机 Driver" if lead.kind == "driver" else "车辆 Vehicle",
             "platform": lead.platform_code,
             "shown": mask_id_number(lead.holder) if lead.kind == "driver" else lead.holder,
             "orders": lead.orders,
             "first_seen": lead.first_seen.strftime("%Y-%m-%d %H:%M:%S"),
             "last_seen": lead.last_seen.strftime("%Y-%m-%d %H:%M:%S"),
             "history": lead.history, "history_label": compliance.HISTORY_LABELS[lead.history],
             "last_status": lead.last_status, "wrong_colour": lead.wrong_colour,
             "token": lead_token(lead.kind, lead.holder)}
            for lead in leads]


# -- pages --------------------------------------------------------------------------------------

@compliance_console.get("/")
@roles_required(Role.SUPERVISOR)
def dashboard():
    month = chosen_month(request.args)
    first, last = compliance.month_days(month)
    last = min(last, today())
    platforms = compliance.reporting_platforms()
    report = compliance.month_report(month)
    counts, _ = compliance.daily(platforms, first, last)
    days = [first + dt.timedelta(days=n) for n in range((last - first).days + 1)]
    lines = [(p.name, {day: c.rate for (code, day), c in counts.items() if code == p.code})
             for p in platforms if any(code == p.code for code, _ in counts)]
    glance_days = [today(), today() - dt.timedelta(days=1)]
    glance, _ = compliance.daily(platforms, glance_days[1], glance_days[0])
    at_a_glance = [("今日 Today", glance_days[0], compliance.totals(
                        {k: c for k, c in glance.items() if k[1] == glance_days[0]})),
                   ("昨日 Yesterday", glance_days[1], compliance.totals(
                       {k: c for k, c in glance.items() if k[1] == glance_days[1]})),
                   ("本月 This month" if month == today().replace(day=1) else "该月 The month",
                    month, compliance.totals(counts))]
    leads = compliance.leads(platforms, first, last)
    return render_template(
        "supervision/compliance.html", month=month, first=first, last=last, report=report,
        glance=at_a_glance, daily_chart=line_chart(days, lines),
        trend_chart=bar_chart(report["trend"]), quality_rows=month_quality(platforms, first, last),
        leads=lead_rows(leads[:LEADS_SHOWN]), leads_total=len(leads),
        previous=compliance.previous_month(month), following=compliance.month_days(month)[1]
        + dt.timedelta(days=1), this_month=today().replace(day=1))


@compliance_console.get("/leads.csv")
@roles_required(Role.SUPERVISOR)
def leads_csv():
    month = chosen_month(request.args)
    first, last = compliance.month_days(month)
    rows = lead_rows(compliance.leads(compliance.reporting_platforms(), first, last))
    out = io.StringIO()
    out.write("\ufeff")   # a byte-order mark: Excel then reads the file as UTF-8
    writer = csv.writer(out)
    writer.writerow(["类别 Kind", "平台 Platform", "身份证号/车牌 ID number / plate",
                     "违规订单数 Orders", "首次 First seen", "最近 Last seen",
                     "持证情况 Licence history", "最近证件状态 Last certificate status",
                     "上报号牌颜色 Reported plate colour", "链接 Link"])
    for row in rows:
        link = request.url_root.rstrip("/") + _lead_url(row, month)
        writer.writerow([row["kind_label"], row["platform"], row["shown"], row["orders"],
                         row["first_seen"], row["last_seen"], row["history_label"],
                         row["last_status"] or "", row["wrong_colour"] or "", link])
    return Response(out.getvalue().encode("utf-8"), mimetype="text/csv", headers={
        "Content-Disposition": f'attachment; filename="leads-{month:%Y-%m}.csv"'})


def _lead_url(row: dict, month: dt.date) -> str:
    from flask import url_for

    return url_for("compliance_console.lead", kind=row["kind"], token=row["token"],
                   month=month.strftime("%Y-%m"))


@compliance_console.get("/leads/<any(driver, transport):kind>/<token>")
@roles_required(Role.SUPERVISOR)
def lead(kind: str, token: str):
    """A driver's or vehicle's page: the month's non-compliant orders behind the lead and every
    certificate the register has for it, with its validity history."""
    month = chosen_month(request.args)
    first, last = compliance.month_days(month)
    platforms = compliance.reporting_platforms()
    found = [one for one in compliance.leads(platforms, first, last)
             if one.kind == kind and hmac.compare_digest(lead_token(kind, one.holder), token)]
    if not found:
        abort(404)
    holder = found[0].holder
    return render_template("supervision/lead.html", kind=kind, month=month, leads=lead_rows(found),
                           shown=lead_rows(found)[0]["shown"],
                           orders=_orders_of(kind, holder, platforms, first, last),
                           certificates=_certificates_of(kind, holder))


def _orders_of(kind, holder, platforms, first, last) -> list[dict]:
    codes = {p.company_id: p.code for p in platforms if p.company_id}
    question, _ = compliance.ask(sorted(codes), first, last)
    column = "driver" if kind == "driver" else "plate"
    try:
        rows = question.rows(f"SELECT * FROM ({compliance.ORDER_COMPLIANCE}) o WHERE o.{column} = ?"
                             " AND NOT (driver_ok AND vehicle_ok) ORDER BY t LIMIT 500", [holder])
    finally:
        question.close()
    return [{**row, "platform": codes.get(row["company_id"], row["company_id"]),
             "driver": mask_id_number(row["driver"])} for row in rows]


def _certificates_of(kind, holder) -> list[dict]:
    query = sa.select(Certificate).join(Person)
    if kind == "driver":
        query = query.where(Certificate.kind == Kind.DRIVER, sa.func.upper(Person.id_number) == holder)
    else:
        query = query.where(Certificate.kind == Kind.TRANSPORT, Certificate.plate == holder)
    shown = []
    for certificate in db.session.scalars(query.order_by(Certificate.issued_at, Certificate.id)):
        history = db.session.scalars(sa.select(StatusChange).where(
            StatusChange.certificate == certificate).order_by(StatusChange.at, StatusChange.id))
        shown.append({"certificate": certificate, "history": [
            {"status": change.status.value, "at": compliance.beijing(change.at),
             "reason": change.reason} for change in history]})
    return shown
