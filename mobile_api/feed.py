"""A licensed platform company's own data-feed credentials (监管数据接入): see them, and issue
or re-key its intake secret (shown once). Another company's are never reachable: the company
is the one the sign-in vouches for."""

import marshmallow as ma
from flask import current_app
from flask_smorest import Blueprint

from backend.common.text import Text
from backend.db import db
from backend.errors import ApiError
from backend.licensing.operations import today
from backend.notices.operations import set_callback
from backend.platforms.register import platform_of
from backend.supervision import auth
from backend.supervision.models import IntakeCredential
from mobile_api.auth import (
    SECURITY,
    citizen_required,
    company_required,
    current_company,
    current_person,
)

blp = Blueprint("company_feed", __name__, url_prefix="/api/v1/company/feed",
                description="监管数据接入（平台公司）· My platform's supervision data feed")


class FeedSchema(ma.Schema):
    platform = ma.fields.String(metadata={"description": "The platform's code in the register"})
    company_id = ma.fields.String(allow_none=True, metadata={
        "description": "The ministry's CompanyId: X-Company-Id and every record's CompanyId"})
    licensed = ma.fields.Boolean(metadata={"description": "A licence in force today"})
    intake_url = ma.fields.String(metadata={"example": "https://wyc.xm.gov.cn/ipc/v1"})
    credentials_issued_at = ma.fields.DateTime(allow_none=True, metadata={
        "description": "When the current intake secret was issued (null: none yet)"})
    notice_url = ma.fields.String(allow_none=True, metadata={
        "description": "Where the bureau pushes notices about the platform's drivers' and "
                       "vehicles' certificates (null: the feed GET /ipc/v1/notices only)"})


class NoticeUrlSchema(ma.Schema):
    url = Text(required=True, allow_none=True,
               validate=ma.validate.Length(min=1, max=300), metadata={
                   "description": "https:// address, or null to remove it",
                   "example": "https://api.example.com/wyc/notices"})


class CredentialsSchema(ma.Schema):
    company_id = ma.fields.String()
    secret = ma.fields.String(metadata={"description": "Shown this once; store it safely"})


def _my_platform():
    platform = platform_of(current_company().uscc)
    if platform is None:
        raise ApiError(403, "贵公司不在网约车平台登记中，取得经营许可后才能接入监管数据。",
                       "Your company is not in the platform register: the feed opens with the licence.")
    return platform


def _view(platform) -> dict:
    credential = db.session.get(IntakeCredential, platform.code)
    return {"platform": platform.code, "company_id": platform.company_id,
            "licensed": platform.licensed_on(today()),
            "intake_url": f"{current_app.config['PUBLIC_BASE_URL']}/ipc/v1",
            "credentials_issued_at": credential.issued_at if credential else None,
            "notice_url": platform.notice_url}


@blp.get("")
@blp.doc(security=SECURITY)
@blp.response(200, FeedSchema)
@blp.alt_response(401, response="UNAUTHORIZED")
@blp.alt_response(403, response="FORBIDDEN")
@citizen_required
@company_required
def show():
    """My platform's feed: its CompanyId, the intake's address, whether a secret is issued."""
    return _view(_my_platform())


@blp.post("/credentials")
@blp.doc(security=SECURITY)
@blp.response(201, CredentialsSchema)
@blp.alt_response(401, response="UNAUTHORIZED")
@blp.alt_response(403, response="FORBIDDEN")
@blp.alt_response(409, response="CONFLICT", description="No CompanyId recorded yet")
@citizen_required
@company_required
def issue():
    """Issue my platform's intake secret, or replace it (the old one stops working at once);
    the secret is in this answer only. Needs a licence in force."""
    platform = _my_platform()
    if not platform.licensed_on(today()):
        raise ApiError(403, "贵公司的经营许可不在有效期内，不能接入监管数据。",
                       "Your platform licence is not in force: no intake secret can be issued.")
    secret = auth.issue_credentials(
        platform, actor=f"company:{current_company().uscc}/person:{current_person().id}")
    return {"company_id": platform.company_id, "secret": secret}, 201


@blp.put("/notice-url")
@blp.doc(security=SECURITY)
@blp.arguments(NoticeUrlSchema)
@blp.response(200, FeedSchema)
@blp.alt_response(401, response="UNAUTHORIZED")
@blp.alt_response(403, response="FORBIDDEN")
@blp.alt_response(422, response="UNPROCESSABLE_ENTITY", description="Not an https:// address")
@citizen_required
@company_required
def set_notice_url(body):
    """Set (or with null remove) my platform's callback for the bureau's notices
    (docs/platform-notices.md)."""
    platform = _my_platform()
    set_callback(platform.code, body["url"],
                 actor=f"company:{current_company().uscc}/person:{current_person().id}")
    return _view(platform)
