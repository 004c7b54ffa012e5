"""Applying in the app: submit any matter, list mine, follow one."""

import sqlalchemy as sa
from flask_smorest import Blueprint

from backend.db import db
from backend.licensing.models import Application
from backend.licensing.operations import application_for, applications_of, submit
from backend.licensing.schemas import (
    ApplicationDetailSchema,
    ApplicationPageSchema,
    ApplicationQuerySchema,
    ApplicationRequestSchema,
    IdempotencyHeaderSchema,
)
from backend.matters.registry import Channel
from mobile_api.auth import SECURITY, citizen_required, current_company, current_person

blp = Blueprint("applications", __name__, url_prefix="/api/v1/applications",
                description="办件 · Applications")


@blp.post("")
@blp.doc(security=SECURITY)
@blp.arguments(ApplicationRequestSchema())  # (instances: not built per request)
@blp.arguments(IdempotencyHeaderSchema(), location="headers")
@blp.response(201, ApplicationDetailSchema)
@blp.alt_response(401, response="UNAUTHORIZED")
@blp.alt_response(403, response="FORBIDDEN", description="A company's matter needs a company's "
                                                         "sign-in, a person's a person's")
@blp.alt_response(404, response="NOT_FOUND", description="No matter with this code")
@blp.alt_response(409, response="CONFLICT")
@blp.alt_response(422, response="UNPROCESSABLE_ENTITY")
@citizen_required
def create(body, headers):
    """Apply for a matter; decided in the same request where the matter allows."""
    matter = body.pop("matter")
    application, replayed = submit(current_person(), matter, body, channel=Channel.APP,
                                   actor=f"person:{current_person().id}",
                                   idempotency_key=headers.get("idempotency_key"),
                                   company=current_company())
    return application, 201, ({"Idempotent-Replayed": "true"} if replayed else {})


@blp.get("")
@blp.doc(security=SECURITY)
@blp.arguments(ApplicationQuerySchema(), location="query")
@blp.response(200, ApplicationPageSchema)
@blp.alt_response(401, response="UNAUTHORIZED")
@citizen_required
def list_mine(query):
    """My applications (my company's, signed in as a company), newest first."""
    mine = applications_of(current_person(), current_company())
    total = db.session.scalar(sa.select(sa.func.count()).select_from(mine.subquery()))
    items = db.session.scalars(mine.order_by(Application.id.desc())
                               .offset((query["page"] - 1) * query["per_page"])
                               .limit(query["per_page"])).all()
    return {"items": items, "page": query["page"], "per_page": query["per_page"], "total": total}


@blp.get("/<application_number:number>")
@blp.doc(security=SECURITY)
@blp.response(200, ApplicationDetailSchema)
@blp.alt_response(401, response="UNAUTHORIZED")
@blp.alt_response(404, response="NOT_FOUND")
@citizen_required
def show(number):
    """One of my (my company's) applications with its history; anybody else's is 404."""
    return application_for(current_person(), number, current_company())
