"""The holder's suspensions in the app: what was found and why, the deadlines and every step so
far; the objection (陈述和申辩) with files uploaded first (``POST /api/v1/objection-files``, the
limits of materials: PDF, JPEG or PNG, ``MATERIAL_MAX_BYTES``). Anybody else's is 404."""

from __future__ import annotations

from flask_smorest import Api, Blueprint

from backend.alerts import operations
from backend.alerts.schemas import (
    ObjectionFileSchema,
    ObjectionRequestSchema,
    SuspensionListSchema,
    SuspensionSchema,
)
from backend.materials.operations import read_upload
from mobile_api.auth import SECURITY, citizen_required, current_person
from mobile_api.materials import UploadSchema, allow_uploads

blp = Blueprint("suspensions", __name__, url_prefix="/api/v1/suspensions",
                description="证件暂停与异议 · My suspended certificates and objections")
files_blp = Blueprint("objection_files", __name__, url_prefix="/api/v1/objection-files",
                      description="异议材料 · Files for an objection")


def register(api: Api) -> None:
    api.register_blueprint(blp)
    api.register_blueprint(files_blp)


@blp.get("")
@blp.doc(security=SECURITY)
@blp.response(200, SuspensionListSchema)
@blp.alt_response(401, response="UNAUTHORIZED")
@citizen_required
def list_mine():
    """My certificates' suspensions, newest first, each with its deadlines and history."""
    return {"items": operations.suspensions_of(current_person())}


@blp.get("/<int(max=2147483647):suspension_id>")  # (an id the databases can hold)
@blp.doc(security=SECURITY)
@blp.response(200, SuspensionSchema)
@blp.alt_response(401, response="UNAUTHORIZED")
@blp.alt_response(404, response="NOT_FOUND", description="Not mine, or none")
@citizen_required
def show(suspension_id):
    """One of my suspensions; anybody else's is 404."""
    return operations.suspension_of(current_person(), suspension_id)


@blp.post("/<int(max=2147483647):suspension_id>/objection")
@blp.doc(security=SECURITY)
@blp.arguments(ObjectionRequestSchema)
@blp.response(200, SuspensionSchema)
@blp.alt_response(401, response="UNAUTHORIZED")
@blp.alt_response(404, response="NOT_FOUND", description="Not mine, or none")
@blp.alt_response(409, response="CONFLICT", description="Decided, objected already, or too late")
@blp.alt_response(422, response="UNPROCESSABLE_ENTITY")
@citizen_required
def object_to(body, suspension_id):
    """Object to a suspension once, by its ``object_by`` day: text, and the ids of files
    uploaded before (each used once)."""
    return operations.object_to(current_person(), suspension_id, text=body["text"],
                                file_ids=body["files"])


files_blp.before_request(allow_uploads)


@files_blp.post("")
@files_blp.doc(security=SECURITY)
@files_blp.arguments(UploadSchema, location="files")
@files_blp.response(201, ObjectionFileSchema)
@files_blp.alt_response(401, response="UNAUTHORIZED")
@files_blp.alt_response(413, response="REQUEST_ENTITY_TOO_LARGE", description="Over MATERIAL_MAX_BYTES")
@files_blp.alt_response(415, response="UNSUPPORTED_MEDIA_TYPE", description="Not PDF, JPEG or PNG")
@files_blp.alt_response(422, response="UNPROCESSABLE_ENTITY")
@citizen_required
def upload(files):
    """Upload one file for an objection (multipart field ``file``); its type is read from its
    content. Name it in the objection by its id."""
    file = files["file"]
    return operations.store_file(current_person(), file.filename or "", read_upload(file)), 201
