import marshmallow as ma
from flask_smorest import Blueprint

from mobile_api.auth import SECURITY, citizen_required, current_company, current_person

blp = Blueprint("me", __name__, url_prefix="/api/v1/me", description="我的信息 · The signed-in citizen")


class CompanySchema(ma.Schema):
    uscc = ma.fields.String(metadata={"example": "91350200MA2XYQ1U1B"})
    name = ma.fields.String()


class MeSchema(ma.Schema):
    name = ma.fields.String()
    id_number_masked = ma.fields.String(metadata={"example": "350***********1234"})
    company = ma.fields.Nested(CompanySchema, metadata={
        "description": "The company the person acts for (only in a company's sign-in)"})


@blp.get("")
@blp.doc(security=SECURITY)
@blp.response(200, MeSchema)
@blp.alt_response(401, response="UNAUTHORIZED")
@citizen_required
def me():
    """Name and masked ID number of the signed-in citizen, and the company they act for."""
    person, company = current_person(), current_company()
    me = {"name": person.name, "id_number_masked": person.id_number_masked}
    return me | {"company": company} if company else me
