"""``/console/notices``: the notices to platforms that no platform has acknowledged yet, with
their attempts, last error and next try (and recent run reports of the regular re-check)."""

from __future__ import annotations

from flask import Blueprint, render_template

from backend.common.masking import mask_id_number
from backend.notices import operations
from backend.notices.operations import EVENT_NAMES
from backend.staff.auth import roles_required
from backend.staff.models import Role

notices_console = Blueprint("notices_console", __name__, url_prefix="/console/notices")


def subject_label(notice) -> str:
    """``driver:<ID number>`` masked, ``transport:<number>`` with its plate."""
    payload = notice.payload
    if payload.get("LicenseId"):
        return f"驾驶员证 Driver {mask_id_number(payload['LicenseId'])}"
    return f"运输证 Vehicle {payload.get('VehicleNo') or ''} {payload['certificate_number']}"


@notices_console.get("/")
@roles_required(Role.CLERK, Role.SUPERVISOR, Role.OFFICER)
def undelivered():
    return render_template("notices/undelivered.html", rows=operations.undelivered(),
                           total=operations.undelivered_count(), EVENT_NAMES=EVENT_NAMES,
                           subject_label=subject_label)
