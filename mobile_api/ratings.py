"""好差评 in the app: rate a finished application once (一事一评), list my ratings, and say
whether a bad review was put right."""

from flask_smorest import Blueprint

from backend.ratings import operations
from backend.ratings.schemas import (
    AppRatingRequestSchema,
    MyRatingListSchema,
    MyRatingSchema,
    ViewRequestSchema,
)
from mobile_api.auth import SECURITY, citizen_required, current_person

blp = Blueprint("ratings", __name__, url_prefix="/api/v1",
                description="好差评 · Rating the service")


@blp.post("/applications/<number>/rating")
@blp.doc(security=SECURITY)
@blp.arguments(AppRatingRequestSchema())
@blp.response(201, MyRatingSchema)
@blp.alt_response(401, response="UNAUTHORIZED")
@blp.alt_response(404, response="NOT_FOUND")
@blp.alt_response(409, response="CONFLICT", description="Rated already, or not finished yet")
@blp.alt_response(422, response="UNPROCESSABLE_ENTITY")
@citizen_required
def rate(body, number):
    """Rate one of my finished applications (once; a kiosk visit's rating counts). 不满意 and
    非常不满意 start a follow-up: verified, put right by a deadline, and a call-back."""
    return operations.rate_in_app(current_person(), number, body["level"], body.get("comment"),
                                  body.get("items")), 201


@blp.get("/ratings")
@blp.doc(security=SECURITY)
@blp.response(200, MyRatingListSchema)
@blp.alt_response(401, response="UNAUTHORIZED")
@citizen_required
def list_mine():
    """My ratings, newest first, with what became of the bad ones."""
    return {"items": operations.mine(current_person())}


@blp.post("/ratings/<int(max=2147483647):rating_id>/view")  # (an id the databases can hold)
@blp.doc(security=SECURITY)
@blp.arguments(ViewRequestSchema())
@blp.response(200, MyRatingSchema)
@blp.alt_response(401, response="UNAUTHORIZED")
@blp.alt_response(404, response="NOT_FOUND")
@blp.alt_response(409, response="CONFLICT")
@citizen_required
def give_view(body, rating_id):
    """My view of how a bad review was put right (when the follow-up asks for it)."""
    person = current_person()
    follow_up = operations.my_follow_up(person, rating_id)
    operations.record_view(follow_up, body["satisfied"], body.get("note"),
                           actor=f"person:{person.id}")
    return follow_up.rating
