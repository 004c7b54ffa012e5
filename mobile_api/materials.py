"""Materials in the app: a company uploads the files its application needs, then names them
by id when it applies (``materials``). Only the company and staff ever read them."""

from __future__ import annotations

from io import BytesIO

import marshmallow as ma
from flask import request, send_file
from flask_smorest import Blueprint
from flask_smorest.fields import Upload

from backend.materials import operations
from mobile_api.auth import (
    SECURITY,
    citizen_required,
    company_required,
    current_company,
    current_person,
)

blp = Blueprint("materials", __name__, url_prefix="/api/v1/materials",
                description="申请材料 · A company's uploaded materials")

class UploadSchema(ma.Schema):
    file = Upload(required=True, metadata={"description": "PDF, JPEG or PNG"})


class MaterialSchema(ma.Schema):
    id = ma.fields.Integer()
    filename = ma.fields.String()
    content_type = ma.fields.String(metadata={"enum": list(operations.ACCEPTED)})
    size = ma.fields.Integer()
    sha256 = ma.fields.String()
    created_at = ma.fields.DateTime()


def allow_uploads():
    """Before an upload endpoint's request (``before_request``): uploads may be larger than the
    JSON API's ``MAX_CONTENT_LENGTH``, up to the file limit (``MATERIAL_MAX_BYTES``)."""
    limit = operations.upload_limit()
    if request.content_length is not None and request.content_length > limit:
        raise operations.too_large()
    request.max_content_length = limit


blp.before_request(allow_uploads)


@blp.post("")
@blp.doc(security=SECURITY)
@blp.arguments(UploadSchema, location="files")
@blp.response(201, MaterialSchema)
@blp.alt_response(401, response="UNAUTHORIZED")
@blp.alt_response(403, response="FORBIDDEN", description="Not signed in as a company")
@blp.alt_response(413, response="REQUEST_ENTITY_TOO_LARGE", description="Over MATERIAL_MAX_BYTES")
@blp.alt_response(415, response="UNSUPPORTED_MEDIA_TYPE", description="Not PDF, JPEG or PNG")
@blp.alt_response(422, response="UNPROCESSABLE_ENTITY")
@citizen_required
@company_required
def upload(files):
    """Upload one material (multipart field ``file``); its type is read from its content."""
    file = files["file"]
    return operations.store(current_company(), current_person(), file.filename or "",
                            operations.read_upload(file), actor=f"person:{current_person().id}"), 201


@blp.get("/<int(max=2147483647):material_id>")  # (an id the databases can hold)
@blp.doc(security=SECURITY)
@blp.response(200, {"type": "string", "format": "binary"}, content_type="application/octet-stream")
@blp.alt_response(401, response="UNAUTHORIZED")
@blp.alt_response(403, response="FORBIDDEN")
@blp.alt_response(404, response="NOT_FOUND", description="Not my company's, or none")
@citizen_required
@company_required
def download(material_id):
    """One of my company's materials as uploaded; another company's is 404."""
    material = operations.material_of(current_company(), material_id)
    response = send_file(BytesIO(operations.content_of(material)), mimetype=material.content_type,
                         as_attachment=True, download_name=f"material-{material.id}."
                         f"{operations.ACCEPTED[material.content_type]}")
    response.headers["Cache-Control"] = "private, no-store"
    return response
