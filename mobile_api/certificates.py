"""Certificates in the app: list mine, download a PDF; and the public check of a scanned code."""

from __future__ import annotations

from io import BytesIO

from flask import send_file
from flask_smorest import Blueprint

from backend.certificates import operations
from backend.certificates.schemas import CertificateListSchema, VerificationSchema
from mobile_api.auth import SECURITY, citizen_required, current_company, current_person

blp = Blueprint("certificates", __name__, url_prefix="/api/v1/certificates",
                description="我的证件 · My certificates")
verify_blp = Blueprint("verify", __name__, url_prefix="/api/v1/verify",
                       description="证件核验 · Checking a certificate's QR code (public)")

PDF = {"type": "string", "format": "binary"}


@blp.get("")
@blp.doc(security=SECURITY)
@blp.response(200, CertificateListSchema)
@blp.alt_response(401, response="UNAUTHORIZED")
@citizen_required
def list_mine():
    """Every certificate I (my company, signed in as one) hold or held, every version, newest
    first."""
    return {"items": operations.certificates_of(current_person(), current_company())}


@blp.get("/<int(max=2147483647):certificate_id>/pdf")  # (an id the databases can hold)
@blp.doc(security=SECURITY)
@blp.response(200, PDF, content_type="application/pdf",
              description="The certificate as a one-page A4 PDF with its signed QR code")
@blp.alt_response(401, response="UNAUTHORIZED")
@blp.alt_response(404, response="NOT_FOUND", description="Not mine, or no such certificate")
@blp.alt_response(409, response="CONFLICT", description="Not in force (cancelled, revoked, "
                                                        "replaced or expired)")
@citizen_required
def pdf(certificate_id):
    """Download one of my certificates in force as a PDF; anybody else's is 404."""
    certificate = operations.certificate_of(current_person(), certificate_id, current_company())
    operations.downloadable(certificate)
    response = send_file(BytesIO(operations.certificate_pdf(certificate)),
                         mimetype="application/pdf", as_attachment=True,
                         download_name=operations.pdf_filename(certificate))
    response.headers["Cache-Control"] = "private, no-store"
    return response


@verify_blp.get("/<token>")
@verify_blp.response(200, VerificationSchema)
def verify(token):
    """Check a certificate's signed token: the part of the scanned QR text after ``/v/``.

    Always 200: a forged, altered, unknown, revoked, cancelled, replaced or expired
    certificate is ``valid: false`` with its ``reason``. Needs no sign-in.
    """
    return operations.verify(token), 200, {"Cache-Control": "no-store"}
