"""Marshmallow schemas of certificates as the holder sees them, and of a verification answer."""

from __future__ import annotations

import marshmallow as ma
from flask import url_for

from backend.certificates.kinds import get_kind
from backend.certificates.models import Kind
from backend.certificates.operations import china_today, qr_text
from backend.common.masking import mask_id_number

STATUSES = ["valid", "cancelled", "revoked", "expired", "replaced", "suspended"]
REASONS = ["malformed", "unknown_key", "bad_signature", "unknown_certificate", "not_yet_valid",
           "expired", "revoked", "cancelled", "replaced", "suspended"]


class CertificateSchema(ma.Schema):
    id = ma.fields.Integer()
    kind = ma.fields.Function(lambda c: c.kind.value, metadata={"enum": ["driver", "transport",
                                                                          "platform"]})
    title = ma.fields.Function(lambda c: get_kind(c.kind).title,
                               metadata={"example": "网络预约出租汽车驾驶员证"})
    title_en = ma.fields.Function(lambda c: get_kind(c.kind).title_en)
    number_masked = ma.fields.Method("_number", metadata={
        "description": "A driver certificate's number is the ID number, shown masked"})
    version = ma.fields.Integer()
    status = ma.fields.Function(lambda c: c.effective_status(china_today()).value,
                                metadata={"enum": STATUSES,
                                          "description": "valid past its end date reads expired"})
    valid_from = ma.fields.Date()
    valid_until = ma.fields.Date()
    issued_at = ma.fields.DateTime()
    plate = ma.fields.String(allow_none=True)
    pdf_url = ma.fields.Method("_pdf_url", allow_none=True, metadata={
        "description": "The PDF download; null when the certificate is not in force"})
    verification_url = ma.fields.Method("_verification_url", allow_none=True, metadata={
        "description": "What the QR code holds (show it as a QR code in the app); null when "
                       "the certificate is not in force"})

    def _number(self, certificate) -> str:
        if certificate.kind == Kind.DRIVER:
            return mask_id_number(certificate.number)
        return certificate.number

    def _pdf_url(self, certificate) -> str | None:
        if not self._in_force(certificate):
            return None
        return url_for("certificates.pdf", certificate_id=certificate.id)

    def _verification_url(self, certificate) -> str | None:
        return qr_text(certificate) if self._in_force(certificate) else None

    @staticmethod
    def _in_force(certificate) -> bool:
        return certificate.effective_status(china_today()).value == "valid"


class CertificateListSchema(ma.Schema):
    items = ma.fields.Nested(CertificateSchema, many=True)


class VerificationSchema(ma.Schema):
    valid = ma.fields.Boolean(metadata={
        "description": "Signature checks, key is published, certificate is valid and in date"})
    status = ma.fields.String(allow_none=True, metadata={
        "enum": STATUSES, "description": "The certificate's current status; null when the code "
                                         "is not genuine or the certificate unknown"})
    kind = ma.fields.String(allow_none=True, metadata={"enum": ["driver", "transport",
                                                                "platform"]})
    title = ma.fields.Function(lambda v: v.kind_spec.title if v.kind_spec else None,
                               allow_none=True)
    number_masked = ma.fields.String(allow_none=True, metadata={"example": "3****************4"})
    holder_masked = ma.fields.String(allow_none=True, metadata={
        "example": "张*三", "description": "Masked person's name; a company's name whole; null "
                                          "for a vehicle (no owner data)"})
    plate = ma.fields.String(allow_none=True, metadata={"example": "闽D12345"})
    valid_from = ma.fields.Date(allow_none=True)
    valid_until = ma.fields.Date(allow_none=True)
    status_since = ma.fields.Date(allow_none=True, metadata={
        "description": "The day (China time) the certificate entered a status other than valid: "
                       "suspended, revoked, cancelled or replaced since then"})
    reason = ma.fields.String(allow_none=True, metadata={"enum": REASONS,
                                                         "description": "Why not valid"})
    message = ma.fields.Function(lambda v: v.message[0])
    message_en = ma.fields.Function(lambda v: v.message[1])
