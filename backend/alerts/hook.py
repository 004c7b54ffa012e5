"""``POST /hooks/v1/police-alerts``: the police system pushes one alert, signed.

The body is a compact JWS (``Content-Type: application/jose``) signed with the police system's
private key (ES256 or EdDSA; the public key, a PEM or a JWKS for rotation, is the file
``POLICE_ALERT_KEY_FILE``). Its payload is the alert's JSON with ``aud`` =
``xm-wyc-police-alerts`` and ``iat`` (Unix seconds). The answers:

    201  stored (``outcome``: ``suspended``, ``already_suspended`` or ``no_certificate``)
    200  the same reference again: the alert stored the first time, nothing changed
    401  no signature, a signature that does not verify, another audience, or ``iat`` older
         than ``POLICE_ALERT_MAX_AGE_SECONDS`` (or more than a minute ahead): nothing stored
    409  the certificate changed at the same moment (a renewal): nothing stored, send it again
    413  larger than 256 KiB         422  signed, but a field is wrong: nothing stored
    503  no key configured
"""

from __future__ import annotations

import json
import logging
import time
from pathlib import Path

import jwt
import marshmallow as ma
from cryptography.hazmat.primitives import serialization
from flask import Blueprint, current_app, request

from backend.alerts import operations
from backend.alerts.schemas import AlertSchema
from backend.errors import ApiError

logger = logging.getLogger(__name__)
hook = Blueprint("police_alerts_hook", __name__, url_prefix="/hooks/v1")

AUDIENCE = "xm-wyc-police-alerts"
ALGORITHMS = ["ES256", "EdDSA"]
SOURCE = "police"
FUTURE_SKEW_SECONDS = 60


def _keys() -> list:
    path = current_app.config.get("POLICE_ALERT_KEY_FILE")
    if not path:
        raise ApiError(503, "预警接口尚未配置公安系统的公钥。", "The alert hook has no police key configured.")
    cache = current_app.extensions.setdefault("police_alert_keys", {})
    if path not in cache:
        text = Path(path).read_text()
        if text.lstrip().startswith("{"):
            cache[path] = [jwt.PyJWK(key).key for key in json.loads(text)["keys"]]
        else:
            cache[path] = [serialization.load_pem_public_key(text.encode())]
    return cache[path]


def _unauthorised(why: str) -> ApiError:
    logger.warning("police alert refused: %s", why)
    return ApiError(401, "预警信息签名无效或已过期，未保存。",
                    "The alert's signature is missing, invalid or stale; nothing was stored.")


def verified_claims(body: bytes, keys: list, *, max_age: int, now: float | None = None) -> dict:
    """The payload of a JWS signed by one of ``keys`` for us, issued within ``max_age``
    seconds; :class:`ApiError` 401 otherwise."""
    token = body.decode("ascii", "replace").strip()
    if token.count(".") != 2:
        raise _unauthorised("not a compact JWS")
    for key in keys:
        try:
            claims = jwt.decode(token, key, algorithms=ALGORITHMS, audience=AUDIENCE,
                                options={"require": ["iat", "aud"], "verify_iat": False})
            break
        except jwt.InvalidSignatureError:
            continue
        except jwt.PyJWTError as error:
            raise _unauthorised(str(error)) from None
    else:
        raise _unauthorised("no configured key verifies the signature")
    now = time.time() if now is None else now
    issued = claims.get("iat")
    if not isinstance(issued, int | float) or not now - max_age <= issued <= now + FUTURE_SKEW_SECONDS:
        raise _unauthorised(f"iat {issued!r} outside the accepted window")
    return claims


@hook.post("/police-alerts")
def receive_alert():
    """One alert from the police system."""
    claims = verified_claims(request.get_data(cache=False), _keys(),
                             max_age=current_app.config["POLICE_ALERT_MAX_AGE_SECONDS"])
    fields = {k: v for k, v in claims.items() if k not in ("iat", "aud", "exp", "nbf", "iss", "jti")}
    try:
        alert = AlertSchema().load(fields)
    except ma.ValidationError as error:
        raise ApiError(422, "预警信息字段不符合接口规范，未保存。",
                       "The alert's fields do not fit the interface; nothing was stored.",
                       errors={"json": error.messages}) from None
    known = operations.stored(SOURCE, alert["reference"]) is not None
    stored = operations.receive(source=SOURCE, actor=f"hook:{SOURCE}", **alert)
    return {"id": stored.id, "reference": stored.reference, "outcome": stored.outcome.value,
            "duplicate": known}, 200 if known else 201
