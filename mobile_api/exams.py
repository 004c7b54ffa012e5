"""Exam sessions in the app: where and when the driver exams are, and choosing one."""

from flask_smorest import Blueprint

from backend.drivers import exams
from backend.drivers.schemas import (
    ExamBookingSchema,
    ExamChoiceSchema,
    ExamSessionListSchema,
)
from backend.errors import ApiError
from backend.licensing.operations import application_for
from mobile_api.auth import SECURITY, citizen_required, current_company, current_person

blp = Blueprint("exams", __name__, url_prefix="/api/v1",
                description="考试场次 · Exam sessions")


@blp.get("/exam-sessions")
@blp.doc(security=SECURITY)
@blp.response(200, ExamSessionListSchema)
@blp.alt_response(401, response="UNAUTHORIZED")
@citizen_required
def sessions():
    """Exam sessions that can be booked now (far enough ahead, with seats left), soonest
    first."""
    return {"items": exams.bookable_sessions()}


def _mine(number: str):
    return application_for(current_person(), number, current_company())


@blp.get("/applications/<application_number:number>/exam-booking")
@blp.doc(security=SECURITY)
@blp.response(200, ExamBookingSchema)
@blp.alt_response(401, response="UNAUTHORIZED")
@blp.alt_response(404, response="NOT_FOUND", description="Not mine, or no session booked yet")
@citizen_required
def booking(number):
    """Where and when my exam is."""
    current = exams.current_booking(_mine(number))
    if current is None:
        raise ApiError(404, "尚未安排考试场次，安排后将以短信通知您。",
                       "No exam session is booked yet; you will be told by SMS.")
    return current


@blp.put("/applications/<application_number:number>/exam-booking")
@blp.doc(security=SECURITY)
@blp.arguments(ExamChoiceSchema())
@blp.response(200, ExamBookingSchema)
@blp.alt_response(401, response="UNAUTHORIZED")
@blp.alt_response(404, response="NOT_FOUND")
@blp.alt_response(409, response="CONFLICT", description="Not awaiting the exams, the session "
                                                        "is full, too soon, or already mine")
@blp.alt_response(422, response="UNPROCESSABLE_ENTITY")
@citizen_required
def choose(body, number):
    """Choose another session (one of GET /api/v1/exam-sessions); the old seat is given back
    and the new time and place come by SMS."""
    application = _mine(number)
    return exams.choose(application, body["session"], actor=f"person:{current_person().id}")
