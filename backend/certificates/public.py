"""Public pages: the verification page a phone camera opens, and the published public keys.

``/v/<token>`` is what every certificate's QR code links to. It shows the same answer as
``GET /api/v1/verify/<token>``, and never more personal data than that answer.
"""

from __future__ import annotations

from flask import Blueprint, current_app, jsonify, render_template

from backend.certificates import operations
from backend.certificates.keys import public_keyset

public = Blueprint("certificate_pages", __name__)


@public.get("/v/<token>")
def verification_page(token: str):
    result = operations.verify(token)
    response = current_app.make_response(
        render_template("verify/page.html", result=result, today=operations.china_today(),
                        status_names={s.value: n for s, n in operations.STATUS_NAMES.items()},
                        status_meanings=operations.STATUS_MEANINGS))
    # The status can change at any moment (a revocation): never serve a cached answer.
    response.headers["Cache-Control"] = "no-store"
    response.headers["Referrer-Policy"] = "no-referrer"  # the token stays on this page
    return response


@public.get("/.well-known/certificate-keys")
def certificate_keys():
    """The JWKS verifiers use offline; keys withdrawn from it stop verifying everywhere."""
    response = jsonify(public_keyset(current_app.config["SIGNING_KEYS_DIR"]))
    response.headers["Cache-Control"] = "public, max-age=300"
    response.headers["Access-Control-Allow-Origin"] = "*"  # verifier web apps fetch it
    return response


@public.get("/.well-known/certificate-revocations")
def certificate_revocations():
    """The signed list of suspended and revoked certificates (``revocations.py``), for offline
    verifiers: a compact JWS, good for ``REVOCATION_LIST_TTL_SECONDS``."""
    response = current_app.make_response(operations.revocation_list())
    response.headers["Content-Type"] = "application/jose"
    response.headers["Cache-Control"] = "public, max-age=60"
    response.headers["Access-Control-Allow-Origin"] = "*"
    return response
