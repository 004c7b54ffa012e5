"""Console pages of the platform domain: the province's queue of online-capability reviews,
the platform register (recording the ministry's CompanyId), and materials for staff to read.

A view reads its form, checks the role, calls one operation and redirects; a refusal is
flashed and changes nothing (``refusals_flashed``).
"""

from __future__ import annotations

from io import BytesIO

import sqlalchemy as sa
from flask import Blueprint, flash, redirect, render_template, request, send_file, url_for

from backend.db import db
from backend.errors import ApiError
from backend.licensing.deadlines import deadline_of
from backend.materials import operations as materials
from backend.platforms import province, register
from backend.platforms.forms import CompanyIdForm, ProvinceResultForm
from backend.platforms.models import LicenceCase, Platform, ProvinceResult, Stage
from backend.staff.auth import roles_required, staff_actor
from backend.staff.models import Role
from backend.transactions import refusals_flashed

platforms_console = Blueprint("platforms_console", __name__, url_prefix="/console")


def _case_or_404(request_id: str) -> LicenceCase:
    case = db.session.scalar(sa.select(LicenceCase)
                             .where(LicenceCase.province_request_id == request_id))
    if case is None:
        raise ApiError(404, "没有该认定请求。", "No such review request.")
    return case


@platforms_console.get("/province")
@roles_required(Role.PROVINCE, Role.CLERK)
def province_queue():
    """Applications waiting for the province, the oldest first, overdue ones marked."""
    cases = list(db.session.scalars(sa.select(LicenceCase).where(LicenceCase.stage == Stage.PROVINCE)
                                    .order_by(LicenceCase.sent_at, LicenceCase.id)))
    deadlines = {case.id: deadline_of(case.application) for case in cases}
    return render_template("platforms/province.html", cases=cases, deadlines=deadlines,
                           form=ProvinceResultForm())


@platforms_console.post("/province/<request_id>")
@roles_required(Role.PROVINCE)
def record_province_result(request_id):
    case = _case_or_404(request_id)
    form = ProvinceResultForm()
    if not form.validate_on_submit():
        for errors in form.errors.values():
            for message in errors:
                flash(message, "error")
        return redirect(url_for("platforms_console.province_queue"))
    if case.province_channel != "console":
        flash("该请求已通过接口送省厅系统，结果由省厅系统回传。This request went to the province's "
              "system, which answers by callback.", "error")
        return redirect(url_for("platforms_console.province_queue"))
    with refusals_flashed():
        province.record_result(case, ProvinceResult(form.result.data),
                               (form.reasons.data or "").splitlines(),
                               reference=form.reference.data or None, actor=staff_actor())
        flash(f"{case.application.number} 认定结果已记录，已退回厦门市交通运输局作出决定。Result recorded.")
    return redirect(url_for("platforms_console.province_queue"))


@platforms_console.post("/province/<request_id>/resend")
@roles_required(Role.CLERK)
def resend_to_province(request_id):
    case = _case_or_404(request_id)
    with refusals_flashed():
        if province.resend(case, actor=staff_actor()):
            flash("已重新送省厅。Sent to the province again.")
        else:
            flash(f"省厅系统仍未接收：{case.delivery_error}。The province did not accept it.", "error")
    return redirect(url_for("platforms_console.province_queue"))


@platforms_console.get("/materials/<int:material_id>")
@roles_required(Role.CLERK, Role.PROVINCE)
def material(material_id):
    """A company's uploaded material, for staff reviewing its application."""
    found = materials.by_id(material_id)
    if found is None:
        raise ApiError(404, "没有该材料。", "No such material.")
    response = send_file(BytesIO(materials.content_of(found)), mimetype=found.content_type,
                         download_name=f"material-{found.id}.{materials.ACCEPTED[found.content_type]}")
    response.headers["Cache-Control"] = "private, no-store"
    return response


@platforms_console.get("/platforms")
@roles_required(Role.CLERK)
def platform_register():
    platforms = list(db.session.scalars(sa.select(Platform).order_by(Platform.name)))
    return render_template("platforms/register.html", platforms=platforms, form=CompanyIdForm())


@platforms_console.post("/platforms/<code>/company-id")
@roles_required(Role.CLERK)
def record_company_id(code):
    form = CompanyIdForm()
    if not form.validate_on_submit():
        for errors in form.errors.values():
            for message in errors:
                flash(message, "error")
        return redirect(url_for("platforms_console.platform_register"))
    with refusals_flashed():
        register.set_company_id(code, form.company_id.data, actor=staff_actor())
        flash(f"已登记平台 {code} 的 CompanyId。CompanyId recorded.")
    return redirect(url_for("platforms_console.platform_register", _anchor=request.view_args["code"]))
