import marshmallow as ma
from flask_smorest import Blueprint

from mobile_api.auth import SECURITY, citizen_required, current_person

blp = Blueprint("me", __name__, url_prefix="/api/v1/me", description="我的信息 · The signed-in citizen")


class MeSchema(ma.Schema):
    name = ma.fields.String()
    id_number_masked = ma.fields.String(metadata={"example": "350***********1234"})


@blp.get("")
@blp.doc(security=SECURITY)
@blp.response(200, MeSchema)
@blp.alt_response(401, response="UNAUTHORIZED")
@citizen_required
def me():
    """Name and masked ID number of the signed-in citizen."""
    return current_person()
