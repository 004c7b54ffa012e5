"""Citizen authentication: every request carries an i厦门 real-name identity assertion."""

from __future__ import annotations

import functools

from flask import request

from backend.errors import ApiError
from backend.identity.assertions import InvalidAssertion, verify_assertion
from backend.identity.id_numbers import InvalidIdNumber, validate_id_number
from backend.identity.models import Person
from backend.identity.operations import register_or_update

SECURITY = [{"iXiamen": []}]


def _unauthorised(message_en: str) -> ApiError:
    return ApiError(401, message_en=f"Please sign in with i厦门 again ({message_en}).",
                    headers={"WWW-Authenticate": 'Bearer realm="xm-wyc"'})


def current_person() -> Person:
    """The signed-in citizen, registered on first sight. Raises 401 on any bad assertion."""
    # Cached on the request itself (not on ``g``, which lives as long as the app context).
    if "wyc.person" in request.environ:
        return request.environ["wyc.person"]
    header = request.headers.get("Authorization", "")
    scheme, _, token = header.partition(" ")
    if scheme.lower() != "bearer" or not token.strip():
        raise _unauthorised("missing bearer token")
    try:
        assertion = verify_assertion(token.strip())
        id_number = validate_id_number(assertion.id_number)
    except (InvalidAssertion, InvalidIdNumber) as error:
        raise _unauthorised(str(error)) from None
    person = register_or_update(id_number, assertion.name, actor=f"idp:{assertion.subject}")
    request.environ["wyc.person"] = person
    return person


def citizen_required(view):
    @functools.wraps(view)
    def wrapped(*args, **kwargs):
        current_person()
        return view(*args, **kwargs)

    return wrapped
