"""A platform reads its credit records through its feed: ``GET /ipc/v1/credit/records``,
signed like the intake (``backend.supervision.auth``: X-Company-Id, X-Timestamp, X-Nonce,
X-Signature over the empty body). The answer lists the records against the company and its
managers (theirs with the name masked), newest first, each with its list entries, the list the
company is on now, and its latest yearly grade."""

from __future__ import annotations

from flask import Blueprint, request

from backend.common.masking import mask_name
from backend.credit import grades
from backend.credit.catalogue import SubjectKind
from backend.credit.lists import entry_for
from backend.credit.operations import company_records
from backend.credit.schemas import RecordSchema
from backend.supervision import auth

credit_feed = Blueprint("credit_feed", __name__, url_prefix="/ipc/v1/credit")


@credit_feed.get("/records")
def records():
    platform = auth.authenticate(auth.SignedRequest.of(request, request.get_data(cache=False)))
    auth.use_nonce(platform, request.headers["X-Nonce"])
    rows = company_records(platform.uscc)
    found = RecordSchema(many=True).dump(rows)
    for record, row in zip(found, rows, strict=True):
        record["subject_name"] = (row.subject_name if row.subject_kind == SubjectKind.PLATFORM
                                  else mask_name(row.subject_name))
    listed = entry_for(SubjectKind.PLATFORM, platform.uscc)
    grade = grades.latest_yearly(SubjectKind.PLATFORM, platform.uscc)
    return {"code": 200, "platform": platform.code, "uscc": platform.uscc,
            "listed": listed.list_kind.value if listed else None,
            "grade": None if grade is None else {"period": grade.period, "grade": grade.grade,
                                                 "score": grade.score},
            "records": found}
