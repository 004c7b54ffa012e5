"""The built-in development identity provider (IDP_MODE=dev, the embedded default only).

It stands in for i厦门 so the app can be tried without the real provider: it signs the same
kind of assertion with a key generated under ``instance/``. With any other IDP_MODE the route
does not exist and answers 404.
"""

from flask import current_app
from flask_smorest import Blueprint

from backend.identity.assertions import issue_dev_assertion
from backend.identity.schemas import DevTokenRequestSchema, DevTokenSchema

blp = Blueprint("dev_idp", __name__, url_prefix="/dev/idp",
                description="开发用身份认证（仅 IDP_MODE=dev）· Development identity provider")


@blp.post("/token")
@blp.arguments(DevTokenRequestSchema())
@blp.response(200, DevTokenSchema)
@blp.alt_response(422, response="UNPROCESSABLE_ENTITY")
def token(payload):
    """A signed real-name assertion for the given ID number and name; with ``uscc`` and
    ``company_name``, the person signs in acting for that company (法人)."""
    company = (payload["uscc"], payload["company_name"]) if "uscc" in payload else None
    return {
        "access_token": issue_dev_assertion(payload["id_number"], payload["name"],
                                            rn_level=payload["rn_level"], company=company),
        "token_type": "Bearer",
        "expires_in": current_app.config["IDP_TOKEN_TTL_SECONDS"],
    }
