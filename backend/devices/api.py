"""The kiosk API (``/kiosk/v1``): every request is signed by a registered kiosk.

The blueprint authenticates each request before anything else runs (:func:`_authenticate`),
so a forged, stale or replayed request is a 401 before its body is even parsed. The nonce is
stored in the request's own transaction: it is committed with the request's effect, and a
refused request leaves nothing behind.
"""

from __future__ import annotations

import time

from flask import request
from flask_smorest import Api, Blueprint

from backend.devices import operations
from backend.devices.models import Device
from backend.devices.schemas import (
    CardSchema,
    DeviceSchema,
    EndSessionQuerySchema,
    KioskApplicationRequestSchema,
    KioskApplicationSchema,
    RatingRequestSchema,
    RatingSchema,
    SessionSchema,
)
from backend.hotline import operations as hotline
from backend.hotline.models import TicketChannel
from backend.hotline.schemas import KioskTicketRequestSchema, TicketDetailSchema

blp = Blueprint("kiosk", __name__, url_prefix="/kiosk/v1",
                description="自助终端 · Kiosk API: requests signed by a registered kiosk")

SIGNATURE_HEADERS = {
    "KioskDevice": ("X-Device-Id", "The device id printed at registration"),
    "KioskTimestamp": ("X-Timestamp", "Unix seconds; at most 60 s from the server's clock"),
    "KioskNonce": ("X-Nonce", "Random, 8–64 of A-Z a-z 0-9 - _, never reused"),
    "KioskSignature": ("X-Signature", "hex HMAC-SHA256(secret, METHOD \\n PATH?QUERY \\n "
                                      "TIMESTAMP \\n NONCE \\n hex SHA-256(body))"),
}
SECURITY = [{name: [] for name in SIGNATURE_HEADERS}]


def register(api: Api) -> None:
    for name, (header, description) in SIGNATURE_HEADERS.items():
        api.spec.components.security_scheme(
            name, {"type": "apiKey", "in": "header", "name": header, "description": description})
    api.register_blueprint(blp)


@blp.before_request
def _authenticate():
    path = request.script_root + request.path
    if request.query_string:
        path += "?" + request.query_string.decode("latin-1")
    headers = request.headers
    request.environ["wyc.device"] = operations.authenticate(operations.SignedRequest(
        device_id=headers.get("X-Device-Id", ""), timestamp=headers.get("X-Timestamp", ""),
        nonce=headers.get("X-Nonce", ""), signature=headers.get("X-Signature", ""),
        method=request.method, path=path, body=request.get_data(cache=True)))


def current_device() -> Device:
    return request.environ["wyc.device"]


@blp.get("/device")
@blp.doc(security=SECURITY)
@blp.response(200, DeviceSchema)
@blp.alt_response(401, response="UNAUTHORIZED")
def device():
    """The calling kiosk as the backend knows it, and the server's clock (a health check)."""
    kiosk = current_device()
    return {"id": kiosk.id, "name": kiosk.name, "location": kiosk.location,
            "server_time": int(time.time())}


@blp.post("/sessions")
@blp.doc(security=SECURITY)
@blp.arguments(CardSchema())
@blp.response(201, SessionSchema)
@blp.alt_response(401, response="UNAUTHORIZED")
@blp.alt_response(403, response="FORBIDDEN",
                  description="Card expired or reported lost, or name mismatch")
@blp.alt_response(404, response="NOT_FOUND", description="Not in the identity register")
@blp.alt_response(422, response="UNPROCESSABLE_ENTITY")
@blp.alt_response(503, response="SERVICE_UNAVAILABLE", description="Identity source unavailable")
def start_session(card):
    """Start a card session: verify the holder, update their details from the card, and list
    their certificates and the matters they can do here. Refusals carry a ``reason`` code and a
    message to show as it is."""
    return operations.session_view(operations.start_session(current_device(), card)), 201


@blp.post("/sessions/<uuid:session_id>/applications")
@blp.doc(security=SECURITY)
@blp.arguments(KioskApplicationRequestSchema())
@blp.response(201, KioskApplicationSchema)
@blp.alt_response(401, response="UNAUTHORIZED")
@blp.alt_response(404, response="NOT_FOUND")
@blp.alt_response(409, response="CONFLICT")
@blp.alt_response(410, response="GONE", description="The session has ended or expired")
@blp.alt_response(422, response="UNPROCESSABLE_ENTITY")
def apply(body, session_id):
    """Perform a matter for the card holder (channel ``kiosk``). A retry with the same
    ``transaction_id`` returns the same application (``Idempotent-Replayed: true``)."""
    session = operations.session_for(current_device(), str(session_id))
    application, replayed = operations.perform(
        session, body["matter"], body["transaction_id"],
        mailing_address=body.get("mailing_address"), phone=body.get("phone"),
        reason=body.get("reason"))
    return application, 201, ({"Idempotent-Replayed": "true"} if replayed else {})


@blp.post("/sessions/<uuid:session_id>/rating")
@blp.doc(security=SECURITY)
@blp.arguments(RatingRequestSchema())
@blp.response(201, RatingSchema)
@blp.alt_response(401, response="UNAUTHORIZED")
@blp.alt_response(404, response="NOT_FOUND")
@blp.alt_response(409, response="CONFLICT", description="This visit has been rated already")
@blp.alt_response(410, response="GONE")
def rate(body, session_id):
    """Rate the visit (好差评, one rating per visit) for an application made during it."""
    session = operations.session_for(current_device(), str(session_id), allow_ended=True)
    return operations.rate(session, body["application_number"], body["level"],
                           body.get("comment")), 201


@blp.post("/sessions/<uuid:session_id>/tickets")
@blp.doc(security=SECURITY)
@blp.arguments(KioskTicketRequestSchema())
@blp.response(201, TicketDetailSchema)
@blp.alt_response(401, response="UNAUTHORIZED")
@blp.alt_response(404, response="NOT_FOUND")
@blp.alt_response(410, response="GONE")
@blp.alt_response(422, response="UNPROCESSABLE_ENTITY")
def file_ticket(body, session_id):
    """File a 12328 ticket for the card holder (channel ``kiosk``); the reply comes by SMS
    to ``phone`` (or the phone on record) and in the i厦门 app."""
    session = operations.session_for(current_device(), str(session_id))
    return hotline.file_for(session.person, body, channel=TicketChannel.KIOSK,
                            actor=session.device.actor), 201


@blp.delete("/sessions/<uuid:session_id>")
@blp.doc(security=SECURITY)
@blp.arguments(EndSessionQuerySchema(), location="query")
@blp.response(204)
@blp.alt_response(401, response="UNAUTHORIZED")
@blp.alt_response(404, response="NOT_FOUND")
def end(query, session_id):
    """End the session (card removed, idle timeout, or done); ending it twice is harmless."""
    session = operations.own_session(current_device(), str(session_id))
    operations.end_session(session, query["reason"])
