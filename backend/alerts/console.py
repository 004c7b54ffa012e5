"""Alerts in the staff console: the clerk's queue of suspensions with their deadlines (overdue
ones first and in red), every alert received (those about people without a certificate too),
and one suspension: the alert, the objection and its files, revoke (吊销) or reinstate. A
driver certificate and a vehicle's transport certificate (named with its plate) are decided
alike."""

from __future__ import annotations

from io import BytesIO

from flask import Blueprint, abort, flash, redirect, render_template, send_file, url_for

from backend.alerts import operations
from backend.alerts.forms import ReinstateForm, RevokeForm
from backend.alerts.models import ObjectionFile, Outcome, State
from backend.common.masking import mask_id_number, mask_name
from backend.db import db
from backend.licensing.operations import today
from backend.staff.auth import roles_required, staff_actor
from backend.staff.models import Role
from backend.transactions import refusals_flashed

alerts_console = Blueprint("alerts_console", __name__, url_prefix="/console/alerts")

OUTCOME_LABELS = {Outcome.SUSPENDED: "已暂停证件 Certificate suspended",
                  Outcome.ALREADY_SUSPENDED: "证件已在暂停中 Already suspended",
                  Outcome.NO_CERTIFICATE: "无有效证件，已存档 No certificate: kept"}
STATE_LABELS = {State.OPEN: "待决定 Open", State.REVOKED: "已吊销 Revoked",
                State.REINSTATED: "已恢复 Reinstated"}


@alerts_console.context_processor
def labels() -> dict:
    return {"OUTCOME_LABELS": OUTCOME_LABELS, "STATE_LABELS": STATE_LABELS,
            "CATEGORIES": operations.CATEGORIES, "overdue": operations.overdue, "today": today(),
            "about": operations.about,
            "mask_id_number": mask_id_number, "mask_name": mask_name}


@alerts_console.get("/")
@roles_required(Role.CLERK, Role.SUPERVISOR)
def index():
    queue = operations.queue()
    late = [s for s in queue if operations.overdue(s)]
    return render_template("alerts/index.html", queue=late + [s for s in queue if s not in late],
                           late=len(late), alerts=operations.recent_alerts())


@alerts_console.get("/suspensions/<int(max=2147483647):suspension_id>")
@roles_required(Role.CLERK, Role.SUPERVISOR)
def show(suspension_id: int):
    suspension = operations.get_suspension(suspension_id)
    return render_template(
        "alerts/suspension.html", s=suspension, steps=operations.history(suspension),
        others=[a for a in operations.alerts_about(suspension.alert)
                if a.id != suspension.alert_id],
        rule=operations.rule_of(suspension.alert.category), revoke_form=RevokeForm(
            legal_basis=operations.revocation_basis(suspension)), reinstate_form=ReinstateForm())


@alerts_console.post("/suspensions/<int(max=2147483647):suspension_id>/revoke")
@roles_required(Role.CLERK)
def revoke(suspension_id: int):
    suspension = operations.get_suspension(suspension_id)
    form = RevokeForm()
    if not form.validate():
        flash("请填写吊销理由和法律依据。Give the reason and the legal basis.", "error")
    else:
        with refusals_flashed():
            operations.revoke(suspension, actor=staff_actor(), reason=form.reason.data,
                              legal_basis=form.legal_basis.data)
            flash("已吊销，已通知持证人。Revoked; the holder was told.", "ok")
    return redirect(url_for(".show", suspension_id=suspension_id))


@alerts_console.post("/suspensions/<int(max=2147483647):suspension_id>/reinstate")
@roles_required(Role.CLERK)
def reinstate(suspension_id: int):
    suspension = operations.get_suspension(suspension_id)
    form = ReinstateForm()
    if not form.validate():
        flash("请填写恢复的理由。Give the reason.", "error")
    else:
        with refusals_flashed():
            operations.reinstate(suspension, actor=staff_actor(), reason=form.reason.data)
            flash("已恢复证件效力，已通知持证人。Reinstated; the holder was told.", "ok")
    return redirect(url_for(".show", suspension_id=suspension_id))


@alerts_console.get("/files/<int(max=2147483647):file_id>")
@roles_required(Role.CLERK, Role.SUPERVISOR)
def file(file_id: int):
    attachment = db.session.get(ObjectionFile, file_id)
    if attachment is None or attachment.suspension_id is None:
        abort(404)
    response = send_file(BytesIO(operations.file_content(attachment)),
                         mimetype=attachment.content_type, as_attachment=True,
                         download_name=f"objection-{attachment.id}.{attachment.stored_name.rsplit('.', 1)[1]}")
    response.headers["Cache-Control"] = "private, no-store"
    return response
