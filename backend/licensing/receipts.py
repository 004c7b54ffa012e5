"""Receipts (回执): the application number and where to follow it, as a kiosk shows it.

A receipt's QR code opens ``/follow/<number>?t=<token>``, a public page with the matter, where
the application stands and its steps, and nothing personal (no name, no ID number). The token
is an HMAC of the number under the app's secret, so the page opens only from the receipt:
application numbers are sequential, and a guessed one shows nothing (404).
"""

from __future__ import annotations

import base64
import hashlib
import hmac

from flask import Blueprint, current_app, render_template, request

from backend.certificates.qr import qr_modules
from backend.drivers.exams import current_booking
from backend.errors import ApiError
from backend.licensing.models import Application, State
from backend.licensing.operations import XIAMEN, by_number

follow = Blueprint("follow", __name__)
TOKEN_LENGTH = 22  # 132 bits of the HMAC, base64url

STATE_NAMES = {
    "submitted": ("已提交", "Submitted"), "checking": ("核验中", "Being checked"),
    "rejected": ("不予许可", "Refused"), "awaiting_exam": ("资格审核通过，待考试", "Checks passed: exams next"),
    "awaiting_review": ("待工作人员审核", "Waiting for a clerk"),
    "awaiting_province": ("待省厅办理", "With the province"), "approved": ("已办结", "Done"),
    "issued": ("已办结，证件已签发", "Done: certificate issued"), "withdrawn": ("已撤回", "Withdrawn"),
}
WHERE_TO_FOLLOW = ("在 i厦门 App「我的办件」中查看进度和消息，或拨打 12328 交通运输服务监督热线。",
                   "Follow it in the i厦门 app under My applications, or call the 12328 hotline.")


def follow_token(number: str) -> str:
    digest = hmac.new(current_app.config["SECRET_KEY"].encode(), f"follow:{number}".encode(),
                      hashlib.sha256).digest()
    return base64.urlsafe_b64encode(digest).decode()[:TOKEN_LENGTH]


def follow_url(number: str) -> str:
    base = current_app.config["PUBLIC_BASE_URL"].rstrip("/")
    return f"{base}/follow/{number}?t={follow_token(number)}"


def qr_svg(text: str) -> str:
    """The QR code of ``text`` as a small SVG (dark runs as rectangles, 4 modules of quiet
    zone), for a screen to show."""
    modules = qr_modules(text)
    size = len(modules) + 8
    runs = []
    for y, row in enumerate(modules):
        x = 0
        while x < len(row):
            if row[x]:
                start = x
                while x < len(row) and row[x]:
                    x += 1
                runs.append(f"M{start + 4} {y + 4}h{x - start}v1h-{x - start}z")
            else:
                x += 1
    return (f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {size} {size}" '
            f'shape-rendering="crispEdges"><rect width="{size}" height="{size}" fill="#fff"/>'
            f'<path d="{"".join(runs)}" fill="#000"/></svg>')


def receipt(application: Application) -> dict:
    """What a receipt shows: the number, the matter, when, and where to follow it (with the
    link's QR code as an SVG data URL)."""
    url = follow_url(application.number)
    svg = base64.b64encode(qr_svg(url).encode()).decode()
    return {"number": application.number, "matter_name": application.matter.name,
            "matter_name_en": application.matter.name_en,
            "at": application.created_at.astimezone(XIAMEN).strftime("%Y-%m-%d %H:%M"),
            "follow_url": url, "qr": f"data:image/svg+xml;base64,{svg}",
            "where": WHERE_TO_FOLLOW[0], "where_en": WHERE_TO_FOLLOW[1]}


@follow.get("/follow/<application_number:number>")
def follow_page(number):
    """Where an application stands, for whoever holds its receipt."""
    token = request.args.get("t", "")
    application = by_number(number)
    if application is None or not hmac.compare_digest(token.encode(),
                                                      follow_token(number).encode()):
        raise ApiError(404, "未找到该办件，请核对回执上的二维码。",
                       "No such application; check the receipt's QR code.")
    booking = current_booking(application) if application.state == State.AWAITING_EXAM else None
    response = current_app.make_response(render_template(
        "follow/page.html", application=application, state_names=STATE_NAMES, booking=booking,
        where=WHERE_TO_FOLLOW, xiamen=XIAMEN))
    response.headers["Cache-Control"] = "no-store"
    response.headers["Referrer-Policy"] = "no-referrer"  # the token stays on this page
    return response
