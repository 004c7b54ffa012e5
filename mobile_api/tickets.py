"""12328 in the app: file a ticket, follow mine, say whether the reply put it right."""

import sqlalchemy as sa
from flask_smorest import Blueprint

from backend.db import db
from backend.hotline import operations
from backend.hotline.models import Kind, Satisfaction, Subject, Ticket, TicketChannel
from backend.hotline.schemas import (
    CallBackSchema,
    TicketDetailSchema,
    TicketListSchema,
    TicketRequestSchema,
)
from mobile_api.auth import SECURITY, citizen_required, current_person

blp = Blueprint("tickets", __name__, url_prefix="/api/v1/tickets",
                description="12328 工单 · Questions, help, suggestions, complaints, reports, praise")


@blp.post("")
@blp.doc(security=SECURITY)
@blp.arguments(TicketRequestSchema())
@blp.response(201, TicketDetailSchema)
@blp.alt_response(401, response="UNAUTHORIZED")
@blp.alt_response(422, response="UNPROCESSABLE_ENTITY")
@citizen_required
def create(body):
    """File a ticket; it is routed at once and the answer is due by `reply_by`."""
    person = current_person()
    return operations.take_in(
        Kind(body["kind"]), body["text"], channel=TicketChannel.APP,
        subject=Subject(body["subject"]), subject_ref=body.get("subject_ref"),
        platform=body.get("platform"), matter_code=body.get("matter"), person=person,
        caller_phone=person.phone, actor=f"person:{person.id}"), 201


@blp.get("")
@blp.doc(security=SECURITY)
@blp.response(200, TicketListSchema)
@blp.alt_response(401, response="UNAUTHORIZED")
@citizen_required
def list_mine():
    """My tickets, newest first, with their deadlines and replies (at most the last 100)."""
    mine = (sa.select(Ticket).where(Ticket.person_id == current_person().id)
            .order_by(Ticket.id.desc()).limit(100))
    return {"items": db.session.scalars(mine).all()}


@blp.get("/<number>")
@blp.doc(security=SECURITY)
@blp.response(200, TicketDetailSchema)
@blp.alt_response(401, response="UNAUTHORIZED")
@blp.alt_response(404, response="NOT_FOUND")
@citizen_required
def show(number):
    """One of my tickets with its history; anybody else's is 404."""
    return operations.ticket_for(current_person(), number)


@blp.post("/<number>/call-back")
@blp.doc(security=SECURITY)
@blp.arguments(CallBackSchema())
@blp.response(200, TicketDetailSchema)
@blp.alt_response(401, response="UNAUTHORIZED")
@blp.alt_response(404, response="NOT_FOUND")
@blp.alt_response(409, response="CONFLICT")
@citizen_required
def call_back(body, number):
    """My view of the reply (回访): dissatisfied reopens the ticket once, to a higher level."""
    person = current_person()
    ticket = operations.ticket_for(person, number)
    return operations.call_back(ticket, Satisfaction(body["satisfaction"]),
                                note=body.get("note"), actor=f"person:{person.id}")
