"""The public page of a platform's credit (信用公示): its latest yearly service-quality grade
and its public records (the company's and its managers', not overturned), with no personal
data beyond a manager's masked name and position."""

from __future__ import annotations

import sqlalchemy as sa
from flask import Blueprint, abort, render_template

from backend.common.masking import mask_name
from backend.credit import grades, operations
from backend.credit.catalogue import LIST_LABELS, SEVERITY_LABELS, SubjectKind, behaviour
from backend.credit.models import RecordState
from backend.db import db, utcnow
from backend.platforms.models import Platform

credit_public = Blueprint("credit_public", __name__, url_prefix="/credit")

ROLE_NAMES = {"legal_representative": "法定代表人 Legal representative",
              "main_responsible": "主要负责人 Main responsible person",
              "directly_responsible": "直接责任人 Directly responsible person"}


def public_view(platform: Platform) -> dict:
    """What anybody may see of a platform's credit (the page and its JSON twin)."""
    grade = grades.latest_yearly(SubjectKind.PLATFORM, platform.uscc)
    now, records = utcnow(), []
    for found in operations.company_records(platform.uscc):
        if found.state != RecordState.IN_FORCE:
            continue
        listed = next((e for e in found.entries if e.in_force_at(now)), None)
        known = behaviour(found.behaviour_code)
        records.append({
            "number": found.number, "behaviour": found.behaviour_code,
            "behaviour_name": known.name if known else found.behaviour_code,
            "behaviour_name_en": known.name_en if known else found.behaviour_code,
            "severity": SEVERITY_LABELS[found.severity],
            "who": (platform.name if found.subject_kind == SubjectKind.PLATFORM
                    else f"{ROLE_NAMES.get(found.role.value if found.role else '', '')} "
                         f"{mask_name(found.subject_name)}"),
            "occurred_on": found.occurred_on.isoformat(), "decision_number": found.decision_number,
            "list": LIST_LABELS[listed.list_kind] if listed else None})
    return {"platform": {"code": platform.code, "name": platform.name, "uscc": platform.uscc},
            "grade": None if grade is None else {"period": grade.period, "grade": grade.grade,
                                                 "score": grade.score},
            "records": records}


@credit_public.get("/platforms/<code>")
def platform(code: str):
    found = db.session.scalar(sa.select(Platform).where(Platform.code == code))
    if found is None:
        abort(404)
    return render_template("credit/public.html", view=public_view(found))
