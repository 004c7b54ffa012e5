"""``/console/rechecks``: the reports of the regular re-check's runs (``flask licensing
recheck``): holders and vehicles checked, new failures by rule, alerts, sources that did not
answer."""

from __future__ import annotations

from flask import Blueprint, render_template

from backend.licensing.recheck import latest_runs
from backend.staff.auth import roles_required
from backend.staff.models import Role

rechecks_console = Blueprint("rechecks_console", __name__, url_prefix="/console/rechecks")


@rechecks_console.get("/")
@roles_required(Role.CLERK, Role.SUPERVISOR, Role.OFFICER)
def runs():
    return render_template("licensing/rechecks.html", runs=latest_runs(30))
