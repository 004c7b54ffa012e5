"""The platforms an owner may choose when applying for a vehicle's transport certificate."""

from flask_smorest import Blueprint

from backend.licensing.operations import today
from backend.platforms.register import licensed_platforms
from backend.platforms.schemas import PlatformListSchema

blp = Blueprint("platforms", __name__, url_prefix="/api/v1/platforms",
                description="网约车平台 · Licensed platform companies (public)")


@blp.get("")
@blp.response(200, PlatformListSchema)
def list_platforms():
    """Platform companies whose Xiamen licence is in force today, by name."""
    return {"items": licensed_platforms(today())}
