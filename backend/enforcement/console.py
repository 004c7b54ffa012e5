"""Camera alerts in the staff console: officers see the suspected cases with their evidence
(the reads, the plate's orders and positions near them, its certificates' history) and
confirm or dismiss each; staff look a plate up."""

from __future__ import annotations

import datetime as dt

import sqlalchemy as sa
from flask import Blueprint, flash, redirect, render_template, request, url_for

from backend.db import db
from backend.enforcement import operations
from backend.enforcement.classify import BEIJING
from backend.enforcement.forms import DecisionForm
from backend.enforcement.models import (
    ALERT_STATUS_LABELS,
    RESULT_LABELS,
    AlertStatus,
    CameraAlert,
    CameraRead,
)
from backend.staff.auth import roles_required, staff_actor
from backend.staff.models import Role
from backend.transactions import refusals_flashed
from backend.vehicles.plates import InvalidPlate, normalise_plate

enforcement_console = Blueprint("enforcement_console", __name__,
                                url_prefix="/console/enforcement")

PER_PAGE = 30
REASON_LABELS = {"feed": "平台订单/定位中出现 In a platform's orders or positions",
                 "blacklist": "黑名单车辆 Blacklisted"}


@enforcement_console.context_processor
def labels() -> dict:
    return {"ALERT_STATUS_LABELS": ALERT_STATUS_LABELS, "RESULT_LABELS": RESULT_LABELS,
            "REASON_LABELS": REASON_LABELS, "AlertStatus": AlertStatus}


@enforcement_console.get("/alerts")
@roles_required(Role.OFFICER, Role.SUPERVISOR)
def alerts():
    """Open alerts first, the most recently seen first; ``?status=`` filters."""
    status = request.args.get("status", "open")
    reads = (sa.select(sa.func.count()).where(CameraRead.plate == CameraAlert.plate,
                                              CameraRead.alert_id == CameraAlert.id)
             .correlate(CameraAlert).scalar_subquery())
    query = sa.select(CameraAlert, reads)
    if status in {s.value for s in AlertStatus}:
        query = query.where(CameraAlert.status == AlertStatus(status))
    query = query.order_by(CameraAlert.last_seen_at.desc(), CameraAlert.id.desc())
    page = request.args.get("page", 1, type=int)
    rows = db.session.execute(query.limit(PER_PAGE + 1).offset((max(page, 1) - 1) * PER_PAGE)).all()
    return render_template("enforcement/alerts.html", rows=rows[:PER_PAGE], status=status,
                           page=max(page, 1), more=len(rows) > PER_PAGE)


@enforcement_console.get("/alerts/<int:alert_id>")
@roles_required(Role.OFFICER, Role.SUPERVISOR)
def alert(alert_id: int):
    alert = db.get_or_404(CameraAlert, alert_id)
    evidence = alert.evidence if alert.status != AlertStatus.OPEN else operations.evidence(alert)
    return render_template("enforcement/alert.html", alert=alert, evidence=evidence,
                           form=DecisionForm())


@enforcement_console.post("/alerts/<int:alert_id>/decision")
@roles_required(Role.OFFICER)
def decide(alert_id: int):
    alert = db.get_or_404(CameraAlert, alert_id)
    form = DecisionForm()
    if not form.validate_on_submit():
        for errors in form.errors.values():
            for message in dict.fromkeys(errors):
                flash(message, "error")
        return redirect(url_for("enforcement_console.alert", alert_id=alert.id))
    with refusals_flashed():
        operations.decide(alert, form.decision.data == "confirm", form.note.data,
                          actor=staff_actor())
        flash(f"{alert.plate}：{ALERT_STATUS_LABELS[alert.status]}。Done.")
    return redirect(url_for("enforcement_console.alert", alert_id=alert.id))


@enforcement_console.get("/plates")
@roles_required(Role.OFFICER, Role.CLERK, Role.SUPERVISOR)
def plate_lookup():
    text, found, error = request.args.get("plate", "").strip(), None, None
    if text:
        try:
            found = operations.staff_status(normalise_plate(text))
        except InvalidPlate as invalid:
            error = f"{invalid.message} {invalid.message_en}"
    return render_template("enforcement/plate.html", text=text, found=found, error=error)


@enforcement_console.app_template_filter("iso_local")
def iso_local(value: str | None) -> str:
    """An ISO time kept in an alert's evidence, on Xiamen's clock."""
    if not value:
        return "—"
    return dt.datetime.fromisoformat(value).astimezone(BEIJING).strftime("%Y-%m-%d %H:%M:%S")
