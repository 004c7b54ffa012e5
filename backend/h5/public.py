"""The pages anybody opens without signing in: a passenger's plate check and the licensed
platforms (the certificate check a QR code opens is ``certificates.public``)."""

from __future__ import annotations

from flask import render_template, request

from backend.enforcement.operations import passenger_check
from backend.errors import ApiError
from backend.h5 import layout
from backend.licensing.operations import today
from backend.platforms.register import licensed_platforms
from backend.vehicles.plates import InvalidPlate, normalise_plate

public = layout.blueprint("h5_public", __name__)


@public.get("/plate")
def plate():
    """Is this car a licensed 网约车, and on which platform? (no sign-in, no personal data)"""
    typed = (request.args.get("plate") or "").strip()
    if not typed:
        return render_template("h5/plate.html", typed="", result=None)
    try:
        result = passenger_check(normalise_plate(typed[:20]))
    except InvalidPlate as error:
        return render_template("h5/plate.html", typed=typed[:20], result=None,
                               refusal=ApiError(422, error.message, error.message_en)), 422
    return render_template("h5/plate.html", typed=typed[:20], result=result)


@public.get("/platforms")
def platforms():
    return render_template("h5/platforms.html", platforms=licensed_platforms(today()))
