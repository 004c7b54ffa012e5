"""The passenger's plate check on the public verification pages: ``/plate-check?plate=…``
answers whether the car is a licensed 网约车 and on which platform, as
``GET /api/v1/public/plates/<plate>`` does, and nothing more."""

from __future__ import annotations

from flask import Blueprint, current_app, render_template, request

from backend.enforcement import operations
from backend.vehicles.plates import InvalidPlate, normalise_plate

plate_pages = Blueprint("plate_pages", __name__)


@plate_pages.get("/plate-check")
def check():
    text, result, error = request.args.get("plate", "").strip()[:20], None, None
    if text:
        try:
            result = operations.public_status(normalise_plate(text))
        except InvalidPlate as invalid:
            error = (invalid.message, invalid.message_en)
    response = current_app.make_response(render_template(
        "verify/plate.html", text=text, result=result, error=error))
    response.headers["Cache-Control"] = "no-store"  # a certificate can be revoked at any moment
    return response
