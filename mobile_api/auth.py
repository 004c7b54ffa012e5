"""Authentication in the app: every request carries an i厦门 real-name identity assertion.

A person signs in as themselves, or acting for a company (法人): the assertion then names the
company's credit code too, and the request is the company's (its applications, licences and
materials; another company's are 404).
"""

from __future__ import annotations

import functools

from flask import current_app, request

from backend.errors import ApiError
from backend.identity.assertions import (
    RN_LEVEL_PROOFS,
    InvalidAssertion,
    rn_level_number,
    verify_assertion,
)
from backend.identity.credit_codes import InvalidCreditCode, validate_uscc
from backend.identity.id_numbers import InvalidIdNumber, validate_id_number
from backend.identity.models import Company, Person
from backend.identity.operations import register_company, register_or_update

SECURITY = [{"iXiamen": []}]


def _unauthorised(message_en: str) -> ApiError:
    return ApiError(401, message_en=f"Please sign in with i厦门 again ({message_en}).",
                    headers={"WWW-Authenticate": 'Bearer realm="xm-wyc"'})


def _level_too_low(level: int, required: int) -> ApiError:
    """RFC 9470's step-up challenge: the sign-in is genuine but its real-name proof too weak."""
    proof, proof_en = RN_LEVEL_PROOFS[required]
    return ApiError(
        401, f"您的 i厦门 账号实名等级为 L{level}，办理本局事项需要 L{required}（{proof}）"
             f"及以上。请在 i厦门 完成{proof}后重新登录。",
        f"Your i厦门 account's real-name level is L{level}; the bureau's matters need "
        f"L{required} ({proof_en}) or higher. Please complete the {proof_en} in i厦门 and "
        "sign in again.",
        headers={"WWW-Authenticate": 'Bearer realm="xm-wyc", '
                 'error="insufficient_user_authentication", '
                 f'error_description="real-name level L{required} or higher is required"'})


def current_person() -> Person:
    """The signed-in citizen (acting for a company or not), registered on first sight.
    Raises 401 on any bad assertion."""
    # Cached on the request itself (not on ``g``, which lives as long as the app context).
    if "wyc.person" not in request.environ:
        _sign_in()
    return request.environ["wyc.person"]


def current_company() -> Company | None:
    """The company the signed-in person acts for, or None for a person's own sign-in."""
    if "wyc.person" not in request.environ:
        _sign_in()
    return request.environ["wyc.company"]


def _sign_in() -> None:
    header = request.headers.get("Authorization", "")
    scheme, _, token = header.partition(" ")
    if scheme.lower() != "bearer" or not token.strip():
        raise _unauthorised("missing bearer token")
    request.environ["wyc.person"], request.environ["wyc.company"] = signed_in(token.strip())


def signed_in(token: str) -> tuple[Person, Company | None]:
    """The person (and the company they act for) an assertion vouches for, registered on first
    sight; 401 for a bad assertion or a real-name level below ``IDP_MIN_RN_LEVEL``. The app's
    API and its H5 pages' handoff (``backend.h5.session``) sign in through here alike."""
    try:
        assertion = verify_assertion(token)
        id_number = validate_id_number(assertion.id_number)
        uscc = validate_uscc(assertion.uscc) if assertion.uscc else None
    except (InvalidAssertion, InvalidIdNumber, InvalidCreditCode) as error:
        raise _unauthorised(str(error)) from None
    required = rn_level_number(current_app.config["IDP_MIN_RN_LEVEL"])
    if assertion.rn_level < required:
        raise _level_too_low(assertion.rn_level, required)
    actor = f"idp:{assertion.subject}"
    person = register_or_update(id_number, assertion.name, actor=actor)
    company = register_company(uscc, assertion.company_name, actor=actor) if uscc else None
    return person, company


def citizen_required(view):
    @functools.wraps(view)
    def wrapped(*args, **kwargs):
        current_person()
        return view(*args, **kwargs)

    return wrapped


def company_required(view):
    """The request must be a company's sign-in (403 for a person's own)."""
    @functools.wraps(view)
    def wrapped(*args, **kwargs):
        if current_company() is None:
            raise ApiError(403, "请以企业（法人）身份登录 i厦门 后再办理。",
                           "Sign in with i厦门 as a company (legal person) for this.")
        return view(*args, **kwargs)

    return wrapped
