"""Staff JSON for supervision: ``GET /supervision/quality?from=YYYY-MM-DD&to=YYYY-MM-DD`` gives
the data-quality figures per platform and day (``backend.supervision.quality``; the README's
"Data quality" section defines each). Staff signed in to the console (clerks and administrators)
only; anyone else is 401 or 403 in the JSON error shape.

``GET /api/v1/supervision/compliance`` gives the dual-compliance figures
(``backend.supervision.compliance``, docs/compliance.md) to supervisors and administrators."""

from __future__ import annotations

from flask import Blueprint, request
from flask_login import current_user

from backend.errors import ApiError
from backend.staff.models import Role
from backend.supervision import quality
from backend.supervision.console import period

supervision_api = Blueprint("supervision_api", __name__, url_prefix="/supervision")


@supervision_api.get("/quality")
def data_quality():
    if not current_user.is_authenticated:
        raise ApiError(401, "请先登录工作人员控制台。", "Sign in to the staff console first.")
    if not current_user.has_role(Role.CLERK):
        raise ApiError(403)
    first, last = period(request.args)
    platforms = quality.platforms_reporting()
    return {"from": first.isoformat(), "to": last.isoformat(),
            "platforms": [{"code": p.code, "name": p.name, "company_id": p.company_id}
                          for p in platforms],
            "days": [f.to_json() for f in quality.quality(platforms, first, last)]}


# -- dual compliance (backend/supervision/compliance.py) ----------------------------------------

compliance_api = Blueprint("compliance_api", __name__, url_prefix="/api/v1/supervision")
GRANULARITIES = ("day", "month")


@compliance_api.get("/compliance")
def compliance():
    """``?platform=CODE&from=YYYY-MM-DD&to=YYYY-MM-DD&granularity=day|month``: completed orders,
    driver-, vehicle- and dual-compliant counts and rates per platform and for the city. By
    default this month up to today, per day. Supervisors (and administrators) only."""
    from backend.supervision import compliance as figures
    from backend.supervision.dashboard import today

    if not current_user.is_authenticated:
        raise ApiError(401, "请先登录工作人员控制台。", "Sign in to the staff console first.")
    if not current_user.has_role(Role.SUPERVISOR):
        raise ApiError(403)
    granularity = request.args.get("granularity", "day")
    if granularity not in GRANULARITIES:
        raise ApiError(400, "granularity 只能是 day 或 month。", "granularity is day or month.")
    defaults = {"from": today().replace(day=1).isoformat(), "to": today().isoformat()}
    first, last = period({**defaults, **{k: v for k, v in request.args.items() if v}}, longest=400)
    platforms = figures.reporting_platforms()
    code = request.args.get("platform") or None
    if code and all(p.code != code for p in platforms):
        raise ApiError(404, "没有这个报送数据的平台。", "No reporting platform with this code.")
    return figures.series(platforms, first, last, granularity, only=code)
