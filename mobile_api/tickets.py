"""12328 in the app: file a ticket, follow mine, say whether the reply put it right."""

import sqlalchemy as sa
from flask_smorest import Blueprint

from backend.db import db
from backend.errors import ApiError
from backend.hotline import operations
from backend.hotline.models import (
    Assignee,
    Satisfaction,
    Ticket,
    TicketChannel,
    TicketState,
)
from backend.hotline.schemas import (
    CallBackSchema,
    PlatformAnswerSchema,
    PlatformTicketListSchema,
    PlatformTicketSchema,
    TicketDetailSchema,
    TicketListSchema,
    TicketRequestSchema,
)
from backend.platforms.register import platform_of
from mobile_api.auth import (
    SECURITY,
    citizen_required,
    company_required,
    current_company,
    current_person,
)

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
    return operations.file_for(person, body, channel=TicketChannel.APP,
                               actor=f"person:{person.id}"), 201


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


company_blp = Blueprint("company_tickets", __name__, url_prefix="/api/v1/company/tickets",
                        description="12328 工单（平台公司）· Tickets routed to my platform")


def _my_platform() -> str:
    platform = platform_of(current_company().uscc)
    if platform is None:
        raise ApiError(403, "贵公司不在网约车平台登记中，没有转办的工单。",
                       "Your company is not in the platform register; no tickets are routed to it.")
    return platform.code


def _routed_to_me(number: str) -> Ticket:
    ticket = db.session.scalar(sa.select(Ticket).where(
        Ticket.number == number, Ticket.assignee_kind == Assignee.PLATFORM,
        Ticket.assignee == _my_platform()))
    if ticket is None:
        raise ApiError(404, "未找到该工单。", "No such ticket.")
    return ticket


@company_blp.get("")
@company_blp.doc(security=SECURITY)
@company_blp.response(200, PlatformTicketListSchema)
@company_blp.alt_response(401, response="UNAUTHORIZED")
@company_blp.alt_response(403, response="FORBIDDEN")
@citizen_required
@company_required
def list_routed():
    """Tickets routed to my platform, open ones first, the earliest deadline first (at most 200)."""
    query = (sa.select(Ticket).where(Ticket.assignee_kind == Assignee.PLATFORM,
                                     Ticket.assignee == _my_platform())
             .order_by(Ticket.state != TicketState.OPEN, Ticket.handle_by, Ticket.id).limit(200))
    return {"items": db.session.scalars(query).all()}


@company_blp.post("/<number>/answer")
@company_blp.doc(security=SECURITY)
@company_blp.arguments(PlatformAnswerSchema())
@company_blp.response(200, PlatformTicketSchema)
@company_blp.alt_response(401, response="UNAUTHORIZED")
@company_blp.alt_response(403, response="FORBIDDEN")
@company_blp.alt_response(404, response="NOT_FOUND")
@company_blp.alt_response(409, response="CONFLICT")
@company_blp.alt_response(422, response="UNPROCESSABLE_ENTITY")
@citizen_required
@company_required
def answer(body, number):
    """Answer a ticket routed to my platform: what was found and done (the bureau replies to
    the caller and judges a complaint)."""
    ticket = _routed_to_me(number)
    company = current_company()
    return operations.platform_answer(ticket, ticket.assignee, body["finding"],
                                      actor=f"company:{company.uscc}/person:{current_person().id}")
