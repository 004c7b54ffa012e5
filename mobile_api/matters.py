from flask_smorest import Blueprint

from backend.matters.operations import catalogue, summary
from backend.matters.schemas import CatalogueSchema

blp = Blueprint("matters", __name__, url_prefix="/api/v1/matters",
                description="事项目录 · The catalogue of matters (public)")


@blp.get("")
@blp.response(200, CatalogueSchema)
def list_matters():
    """All matters with their flags, and the headline counts."""
    matters = catalogue()
    return {"items": matters, "summary": summary(matters)}
