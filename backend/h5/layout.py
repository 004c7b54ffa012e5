"""What every H5 page shares: the blueprint's hooks (template helpers, private caching, refusals
on the pages' own layout) and how a refused form is shown again."""

from __future__ import annotations

from flask import Blueprint, render_template

from backend.certificates import operations as certificates
from backend.certificates.kinds import get_kind
from backend.common.masking import mask_id_number
from backend.errors import ApiError
from backend.h5 import forms
from backend.h5 import session as h5_session
from backend.h5.text import CHECK_TITLES, language, outcome_name, split, state_name, t
from backend.licensing.rules import RULES
from backend.mailing.operations import STATUS_NAMES as MAILING_NAMES


def blueprint(name: str, import_name: str) -> Blueprint:
    """A blueprint of pages under ``/h5`` (CSRF-protected, like every cookie-signed page)."""
    pages = Blueprint(name, import_name, url_prefix="/h5")
    pages.context_processor(helpers)
    pages.after_request(private)
    pages.register_error_handler(ApiError, refusal_page)
    return pages


def helpers() -> dict:
    return {"t": t, "split": split, "pair": lambda pair: t(*pair) if pair else None,
            "language": language(), "signed_in": h5_session.current(),
            "state_name": state_name, "outcome_name": outcome_name, "check_title": check_title,
            "rules": RULES, "kind_of": lambda certificate: get_kind(certificate.kind.value),
            "status_meanings": certificates.STATUS_MEANINGS, "mailing_names": MAILING_NAMES,
            "mask": mask_id_number}


def private(response):
    # A citizen's pages are theirs alone: never kept by a shared cache or the back button's.
    response.headers.setdefault("Cache-Control", "private, no-store")
    return response


def refusal_page(error: ApiError):
    """A refusal no form shows (another person's application: 404) on the pages' own layout."""
    return render_template("h5/error.html", error=error), error.code, error.response_headers


def check_title(rule: str) -> str:
    """A check's name for the applicant (its title where the rule has one, else its code)."""
    found = RULES.get(rule)
    own = t(getattr(found, "title", None), getattr(found, "title_en", None))
    return own or (t(*CHECK_TITLES[rule]) if rule in CHECK_TITLES else rule)


def field_errors(error: ApiError) -> dict[str, str]:
    """The refused fields by name (the API's ``{"json": {...}}`` without its location)."""
    flat = forms.flat_errors(error.extra.get("errors") or {})
    return {name.removeprefix("json.").removeprefix("form."): text for name, text in flat.items()}


def refused(template: str, error: ApiError, **context):
    """The page again with the refusal on it; the request's changes are rolled back (an error
    status always is)."""
    return render_template(template, refusal=error, **context), error.code
