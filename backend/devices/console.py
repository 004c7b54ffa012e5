"""The console's kiosk pages (``/console/devices``, administrators): list, disable, enable and
re-key. Registration is ``flask devices register`` on the server, where the secret is printed.

Every change is a POST form carrying the CSRF token (``CSRFProtect`` refuses one without it)."""

from __future__ import annotations

import sqlalchemy as sa
from flask import Blueprint, flash, make_response, redirect, render_template, url_for

from backend.db import db
from backend.devices import operations
from backend.ratings.models import ServiceRating
from backend.staff.auth import roles_required, staff_actor
from backend.staff.models import Role

devices_console = Blueprint("devices_console", __name__, url_prefix="/console/devices")


def _rating_counts() -> dict[str, tuple[int, int]]:
    """Per device: (ratings, bad ratings 不满意/非常不满意)."""
    rows = db.session.execute(
        sa.select(ServiceRating.device_id, sa.func.count(),
                  sa.func.sum(sa.case((ServiceRating.level <= 2, 1), else_=0)))
        .where(ServiceRating.device_id.is_not(None)).group_by(ServiceRating.device_id))
    return {device_id: (total, bad or 0) for device_id, total, bad in rows}


@devices_console.get("/")
@roles_required(Role.ADMIN)
def index():
    return render_template("devices/index.html", devices=operations.all_devices(),
                           ratings=_rating_counts())


@devices_console.post("/<device_id>/disable")
@roles_required(Role.ADMIN)
def disable(device_id):
    device = operations.device_or_404(device_id)
    operations.set_enabled(device, False, actor=staff_actor())
    flash(f"终端 {device.name} 已停用，它的请求将被拒绝。Kiosk {device.id} disabled.")
    return redirect(url_for("devices_console.index"))


@devices_console.post("/<device_id>/enable")
@roles_required(Role.ADMIN)
def enable(device_id):
    device = operations.device_or_404(device_id)
    operations.set_enabled(device, True, actor=staff_actor())
    flash(f"终端 {device.name} 已启用。Kiosk {device.id} enabled.")
    return redirect(url_for("devices_console.index"))


@devices_console.post("/<device_id>/rekey")
@roles_required(Role.ADMIN)
def rekey(device_id):
    """A new secret, shown on this one page only; the old secret stops working at once."""
    device = operations.device_or_404(device_id)
    secret = operations.rekey(device, actor=staff_actor())
    response = make_response(render_template("devices/secret.html", device=device, secret=secret))
    response.headers["Cache-Control"] = "no-store"
    return response
