"""Messages from the bureau in the app: what happened to my certificate, my exam, and what next."""

from flask_smorest import Blueprint

from backend.notify import operations
from backend.notify.schemas import MessageListSchema, MessageSchema
from mobile_api.auth import SECURITY, citizen_required, current_person

blp = Blueprint("messages", __name__, url_prefix="/api/v1/messages",
                description="消息 · Messages from the bureau")


@blp.get("")
@blp.doc(security=SECURITY)
@blp.response(200, MessageListSchema)
@blp.alt_response(401, response="UNAUTHORIZED")
@citizen_required
def list_mine():
    """My messages, newest first (at most the last 100), and how many are unread."""
    items = operations.messages_for(current_person())
    return {"items": items, "unread": sum(1 for m in items if m.read_at is None)}


@blp.post("/<int(max=2147483647):message_id>/read")  # (an id the databases can hold)
@blp.doc(security=SECURITY)
@blp.response(200, MessageSchema)
@blp.alt_response(401, response="UNAUTHORIZED")
@blp.alt_response(404, response="NOT_FOUND")
@citizen_required
def mark_read(message_id):
    """Mark one of my messages read; anybody else's is 404."""
    return operations.mark_read(current_person(), message_id)
