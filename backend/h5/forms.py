"""What the pages' forms send, made into the requests the app's API takes and checked by the
same marshmallow schemas: a field refused here is refused there with the same words."""

from __future__ import annotations

import marshmallow as ma
from werkzeug.datastructures import MultiDict

from backend.drivers.schemas import MATERIALS
from backend.errors import ApiError
from backend.hotline.schemas import CallBackSchema, TicketRequestSchema
from backend.licensing.schemas import ApplicationRequestSchema
from backend.matters.models import Matter
from backend.ratings.schemas import AppRatingRequestSchema, ViewRequestSchema

APPLICATION, RATING, TICKET = ApplicationRequestSchema(), AppRatingRequestSchema(), TicketRequestSchema()
CALL_BACK, VIEW = CallBackSchema(), ViewRequestSchema()
ADDRESS_FIELDS = ("recipient", "phone", "region_code", "detail")
CHANGE_FIELDS = ("name", "platform", "address")


def _filled(form: MultiDict, name: str) -> str | None:
    value = (form.get(name) or "").strip()
    return value or None


def _address(form: MultiDict) -> dict | None:
    address = {key: _filled(form, f"address_{key}") or "" for key in ADDRESS_FIELDS}
    return address if any(address.values()) else None


def application_body(matter: Matter, form: MultiDict) -> dict:
    """The request of ``matter`` (only the fields its catalogue entry takes), checked."""
    body: dict = {key: value for key in ("phone", "plate", "platform", "reason")
                  if key in matter.inputs and (value := _filled(form, key))}
    if "mailing_address" in matter.inputs and (address := _address(form)):
        body["mailing_address"] = address
    if "changes" in matter.inputs:
        body["changes"] = {key: value for key in CHANGE_FIELDS
                           if (value := _filled(form, f"change_{key}"))}
    if "documents" in matter.inputs:
        body["documents"] = [{"kind": m.kind, "reference": value} for m in MATERIALS.values()
                             if (value := _filled(form, f"document_{m.kind}"))]
    return checked(APPLICATION, {"matter": matter.code, **body})


def rating_body(form: MultiDict) -> dict:
    level = form.get("level", "")
    return checked(RATING, {"level": int(level) if level.isdecimal() and len(level) < 3 else level,
                            "comment": _filled(form, "comment"), "items": form.getlist("items")})


def ticket_body(form: MultiDict) -> dict:
    body = {key: _filled(form, key) for key in ("kind", "subject", "subject_ref", "platform", "text")}
    return checked(TICKET, {key: value for key, value in body.items()
                            if value is not None or key in ("kind", "subject", "text")})


def call_back_body(form: MultiDict) -> dict:
    """My view of a 12328 reply (回访)."""
    return checked(CALL_BACK, {"satisfaction": form.get("satisfaction", ""),
                               "note": _filled(form, "note")})


def view_body(form: MultiDict) -> dict:
    """My view of how a bad review was put right."""
    return checked(VIEW, {"satisfied": form.get("satisfied", ""), "note": _filled(form, "note")})


def checked(schema: ma.Schema, body: dict) -> dict:
    """The loaded body; a 422 naming every refused field (as the API's ``errors``) otherwise."""
    try:
        return schema.load(body)
    except ma.ValidationError as error:
        raise ApiError(422, "提交的内容有误，请按提示修改后重试。",
                       "Some fields are invalid; please correct them.",
                       errors=flat_errors(error.messages)) from None


def flat_errors(messages: dict, prefix: str = "") -> dict[str, str]:
    """``{"mailing_address": {"phone": [...]}}`` → ``{"mailing_address.phone": "..."}``."""
    flat = {}
    for key, value in messages.items():
        name = f"{prefix}{key}"
        if isinstance(value, dict):
            flat.update(flat_errors(value, f"{name}."))
        else:
            flat[name] = " ".join(str(v) for v in (value if isinstance(value, list) else [value]))
    return flat
