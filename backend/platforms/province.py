"""The province's online-capability review (网约车线上服务能力认定), an internal step of the
platform licence: the city sends the online-capability materials, the province certifies or
not, with reasons, and the city then decides (交办运〔2016〕143号; the seed: the company never
runs between the two).

Two ways, chosen by configuration:

* ``PROVINCE_URL`` set: the request is POSTed to ``{PROVINCE_URL}/online-capability-reviews``
  and the province answers later by POSTing to our callback
  ``/api/v1/province/reviews/<request_id>/result``. Both directions are signed with
  HMAC-SHA256 under ``PROVINCE_SECRET`` over ``"<timestamp>." + body`` (headers
  ``X-Signature-Timestamp``, Unix seconds, and ``X-Signature``, hex); a timestamp more than
  ``SIGNATURE_MAX_AGE`` seconds away from ours is refused, so a captured call cannot be replayed
  later. The README documents the interface for the province's engineers.
* unset: the request waits in the console's provincial queue, where a provincial reviewer
  (role ``province``) records the result.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import logging
import time

import requests
from flask import current_app
from uuid6 import uuid7

from backend.audit.operations import record
from backend.db import db, utcnow
from backend.errors import ApiError
from backend.licensing import operations as licensing
from backend.licensing.models import State
from backend.materials import operations as materials
from backend.platforms.models import LicenceCase, ProvinceResult, Stage

logger = logging.getLogger(__name__)

SIGNATURE_MAX_AGE = 300
ONLINE_MATERIALS = ("online_capability", "data_access_commitment")
RESULT_NAMES = {ProvinceResult.CERTIFIED: ("已认定具备线上服务能力", "certified"),
                ProvinceResult.NOT_CERTIFIED: ("未认定具备线上服务能力", "not certified")}


def check_configuration(config) -> None:
    """A province endpoint without the shared secret could neither sign nor check: refused."""
    from backend.config import ConfigurationError

    if config.get("PROVINCE_URL") and not config.get("PROVINCE_SECRET"):
        raise ConfigurationError("PROVINCE_URL is set but PROVINCE_SECRET is not: the province's "
                                 "requests and callbacks are signed with it")


# -- signatures ---------------------------------------------------------------------------------

def signature(secret: str, timestamp: str, body: bytes) -> str:
    return hmac.new(secret.encode(), timestamp.encode() + b"." + body, hashlib.sha256).hexdigest()


def signed_headers(body: bytes) -> dict[str, str]:
    timestamp = str(int(time.time()))
    return {"Content-Type": "application/json", "X-Signature-Timestamp": timestamp,
            "X-Signature": signature(current_app.config["PROVINCE_SECRET"], timestamp, body)}


def check_signature(body: bytes, timestamp: str | None, given: str | None) -> None:
    """Refuse (401) a callback that is not signed with our shared secret, or signed too long
    ago or ahead."""
    secret = current_app.config["PROVINCE_SECRET"]
    refused = ApiError(401, "省厅回调签名无效或已过期。", "The callback's signature is invalid or stale.")
    if not secret or not timestamp or not given or not timestamp.isdigit():
        raise refused
    if abs(time.time() - int(timestamp)) > SIGNATURE_MAX_AGE:
        raise refused
    if not hmac.compare_digest(signature(secret, timestamp, body), given.lower()):
        raise refused


# -- sending --------------------------------------------------------------------------------------

def send(case: LicenceCase, *, actor: str) -> None:
    """Send the application's online-capability materials to the province."""
    case.stage = Stage.PROVINCE
    case.province_request_id = str(uuid7())
    case.sent_at = utcnow()
    case.province_channel = "http" if current_app.config["PROVINCE_URL"] else "console"
    licensing.transition(case.application, State.AWAITING_PROVINCE, actor=actor,
                         reason="线下服务能力材料审查通过，线上服务能力材料已送福建省交通运输厅认定")
    record(actor, "province.sent", "application", case.application,
           after={"request_id": case.province_request_id, "channel": case.province_channel})
    if case.province_channel == "http":
        deliver(case, actor=actor)


def request_body(case: LicenceCase) -> dict:
    """What the province receives (documented in the README)."""
    application = case.application
    files = []
    for name in ONLINE_MATERIALS:
        described = application.inputs["materials"].get(name)
        if described is None:
            continue
        material = materials.by_id(described["id"])
        files.append({"name": name, "filename": material.filename,
                      "content_type": material.content_type, "size": material.size,
                      "sha256": material.sha256,
                      "content_base64": base64.b64encode(materials.content_of(material)).decode()})
    base = current_app.config["PUBLIC_BASE_URL"]
    return {"request_id": case.province_request_id, "application_number": application.number,
            "city": "350200",
            "company": {"uscc": application.inputs["uscc"],
                        "name": application.inputs["company_name"]},
            "materials": files,
            "callback_url": f"{base}/api/v1/province/reviews/{case.province_request_id}/result"}


def deliver(case: LicenceCase, *, actor: str) -> bool:
    """POST the request to the province; whether it was accepted. A failure is recorded on the
    case (the console offers to send it again); the application stays with the province."""
    body = json.dumps(request_body(case), ensure_ascii=False).encode()
    url = f"{current_app.config['PROVINCE_URL']}/online-capability-reviews"
    try:
        response = requests.post(url, data=body, headers=signed_headers(body),
                                 timeout=current_app.config["PROVINCE_TIMEOUT_SECONDS"])
        accepted = response.status_code in (200, 201, 202)
        problem = None if accepted else f"HTTP {response.status_code}"
    except requests.RequestException as error:
        accepted, problem = False, type(error).__name__
    case.delivered_at = utcnow() if accepted else None
    case.delivery_error = problem
    if problem:
        logger.warning("province: request %s not delivered: %s", case.province_request_id, problem)
    record(actor, "province.delivered" if accepted else "province.delivery_failed", "application",
           case.application, after={"request_id": case.province_request_id, "error": problem})
    return accepted


def resend(case: LicenceCase, *, actor: str) -> bool:
    if case.stage != Stage.PROVINCE or case.province_channel != "http" or case.delivered_at:
        raise ApiError(409, "此办件没有待重发的省厅认定请求。", "Nothing to send to the province again.")
    return deliver(case, actor=actor)


# -- the result -----------------------------------------------------------------------------------

def record_result(case: LicenceCase, result: ProvinceResult, reasons: list[str], *,
                  reference: str | None, actor: str) -> None:
    """The province's answer: the application returns to the city for its decision. Not
    certified needs reasons (the applicant reads them)."""
    if case.stage != Stage.PROVINCE:
        raise ApiError(409, "该办件当前不在等待省厅认定。", "This application is not waiting for the province.")
    reasons = [r.strip() for r in reasons if r and r.strip()]
    if result == ProvinceResult.NOT_CERTIFIED and not reasons:
        raise ApiError(422, "未予认定时须写明理由。", "Reasons are required when not certifying.",
                       errors={"json": {"reasons": ["required when not certified"]}})
    case.province_result, case.province_reasons = result, reasons
    case.province_reference, case.answered_at, case.answered_by = reference, utcnow(), actor
    case.stage = Stage.DECISION
    zh = RESULT_NAMES[result][0] + (f"：{'；'.join(reasons)}" if reasons else "")
    licensing.transition(case.application, State.AWAITING_REVIEW, actor=actor,
                         reason=f"福建省交通运输厅{zh}。待厦门市交通运输局作出许可决定")
    record(actor, "province.answered", "application", case.application,
           after={"result": result, "reasons": reasons, "reference": reference})
    db.session.flush()


def same_result(case: LicenceCase, result: ProvinceResult, reasons: list[str]) -> bool:
    """Whether a repeated callback says what was already recorded (answered again: 200)."""
    return (case.province_result == result
            and (case.province_reasons or []) == [r.strip() for r in reasons if r and r.strip()])
