"""My credit in the app: the records of dishonest behaviour against me (as a driver or a
platform's manager), each with its list entries, and the list I am on now. Only mine."""

from flask_smorest import Blueprint

from backend.credit.lists import entry_for
from backend.credit.operations import PEOPLE, records_of
from backend.credit.schemas import MyCreditSchema
from mobile_api.auth import SECURITY, citizen_required, current_person

blp = Blueprint("credit", __name__, url_prefix="/api/v1/credit",
                description="信用记录 · My credit records and list entries")


@blp.get("")
@blp.doc(security=SECURITY)
@blp.response(200, MyCreditSchema)
@blp.alt_response(401, response="UNAUTHORIZED")
@citizen_required
def mine():
    """My records (newest first) with their list entries (start, review day, end and why), and
    the list I am on now (``black`` before ``watch``)."""
    person = current_person()
    listed = entry_for("person", person.id_number)
    return {"listed": listed.list_kind.value if listed else None,
            "records": records_of(PEOPLE, person.id_number)}
