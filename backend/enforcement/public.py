"""``/plate-check?plate=…``: the short address of the passenger's plate check (for stickers and
signs in cars); the page itself is the phone pages' (``/h5/plate``, ``backend/h5/public.py``),
which answers as ``GET /api/v1/public/plates/<plate>`` does."""

from __future__ import annotations

from flask import Blueprint, redirect, request, url_for

plate_pages = Blueprint("plate_pages", __name__)


@plate_pages.get("/plate-check")
def check():
    plate = request.args.get("plate", "").strip()[:20]
    return redirect(url_for("h5_public.plate", **({"plate": plate} if plate else {})), 301)
