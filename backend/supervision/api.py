"""Staff JSON for supervision: ``GET /supervision/quality?from=YYYY-MM-DD&to=YYYY-MM-DD`` gives
the data-quality figures per platform and day (``backend.supervision.quality``; the README's
"Data quality" section defines each). Staff signed in to the console (clerks and administrators)
only; anyone else is 401 or 403 in the JSON error shape."""

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
