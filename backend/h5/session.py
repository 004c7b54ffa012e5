"""The app's handoff: an i厦门 identity assertion exchanged for a session of the H5 pages.

The app opens ``/h5/#assertion=<JWS>``. The fragment never leaves the phone (it is not sent to
the server, so it is in no access log, and no ``Referer`` carries it); ``static/h5.js`` takes it
out of the address bar and posts it, with the entry page's CSRF token, to ``/h5/session``. The
assertion is checked exactly as the app's API checks a bearer token
(``mobile_api.auth.signed_in``), and the page session that replaces it is a signed cookie that
names the person (and the company they act for) and ends ``H5_SESSION_MINUTES`` after the
handoff, never later than the assertion itself. The assertion is not kept.
"""

from __future__ import annotations

import functools
import time

from flask import current_app, redirect, request, session, url_for

from backend.db import db
from backend.errors import ApiError
from backend.identity.assertions import verify_assertion
from backend.identity.models import Company, Person

KEY = "h5"


def hand_over(token: str) -> tuple[Person, Company | None]:
    """Sign the page in with the app's assertion (401 for a bad or too weak one)."""
    from mobile_api.auth import signed_in

    person, company = signed_in(token)
    ends = min(verify_assertion(token).expires_at.timestamp(),
               time.time() + 60 * current_app.config["H5_SESSION_MINUTES"])
    session[KEY] = {"person": person.id, "company": company.id if company else None,
                    "until": int(ends)}
    return person, company


def sign_out() -> None:
    session.pop(KEY, None)


def _signed_in() -> dict | None:
    state = session.get(KEY)
    if not isinstance(state, dict) or state.get("until", 0) <= time.time():
        return None
    return state


def current() -> tuple[Person, Company | None] | None:
    """The signed-in person and company of this page request, or None."""
    if "wyc.h5" not in request.environ:
        state = _signed_in()
        person = db.session.get(Person, state["person"]) if state else None
        company = db.session.get(Company, state["company"]) if state and state["company"] else None
        request.environ["wyc.h5"] = (person, company) if person else None
    return request.environ["wyc.h5"]


def person() -> Person:
    return current()[0]


def company() -> Company | None:
    return current()[1]


def actor() -> str:
    """Who the audit log names: the person, acting for their company where they do."""
    if company() is not None:
        return f"company:{company().uscc}/person:{person().id}"
    return f"person:{person().id}"


def signed_in_required(view):
    """A page for the signed-in citizen: anybody else goes to the entry page (and back here
    once the app has handed them over)."""
    @functools.wraps(view)
    def wrapped(*args, **kwargs):
        if current() is None:
            expired = KEY in session
            sign_out()
            return redirect(url_for("h5.entry", expired=1 if expired else None))
        return view(*args, **kwargs)

    return wrapped


def person_required(view):
    """A page about a person's own matters (a company's sign-in has its own)."""
    @functools.wraps(view)
    def wrapped(*args, **kwargs):
        if company() is not None:
            raise ApiError(403, "此页面办理个人事项，请以个人身份从 i厦门 进入。",
                           "This page is for a person's own matters: open it from i厦门 as yourself.")
        return view(*args, **kwargs)

    return signed_in_required(wrapped)
