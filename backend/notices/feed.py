"""``GET /ipc/v1/notices?after=<cursor>&limit=<n>``: a platform reads its notices.

Signed like the intake (``backend.supervision.auth``: ``X-Company-Id``, ``X-Timestamp``,
``X-Nonce``, ``X-Signature`` over ``GET``, the path with its query and the empty body's hash).
The answer lists the platform's notices after the cursor, oldest first, each with its
``cursor``; the next request's ``after`` is the last one processed. Asking ``after=N``
acknowledges every notice up to ``N``: the callback does not send those again. The answer is
signed by the bureau like a callback (``backend.notices.delivery``), over ``GET``, the
request's path and query, and the answer's body.
"""

from __future__ import annotations

import json
import re

import sqlalchemy as sa
from flask import Blueprint, Response, current_app, request

from backend.db import db, utcnow
from backend.errors import ApiError
from backend.notices import delivery
from backend.notices.models import PlatformNotice
from backend.platforms.models import Platform
from backend.supervision import auth

feed = Blueprint("notices_feed", __name__, url_prefix="/ipc/v1")
CURSOR = re.compile(r"\d{1,18}")
DEFAULT_LIMIT = 100


@feed.get("/notices")
def notices():
    """The signing platform's notices after ``after`` (default 0), at most ``limit``."""
    signed = auth.SignedRequest.of(request, b"")  # (a GET: no body is read)
    platform = auth.authenticate(signed)
    after, limit = _cursor(request.args.get("after", "0")), _limit(request.args.get("limit"))
    auth.use_nonce(platform, signed.nonce)
    acknowledged = acknowledge(platform, after)
    page = list(db.session.scalars(
        sa.select(PlatformNotice).where(PlatformNotice.platform_code == platform.code,
                                        PlatformNotice.id > after)
        .order_by(PlatformNotice.id).limit(limit + 1)))
    more, page = len(page) > limit, page[:limit]
    body = {"code": 200, "status": "OK", "message": "已返回通知。", "message_en": "Notices.",
            "after": after, "acknowledged": acknowledged,
            "next_after": page[-1].id if page else after, "more": more,
            "notices": [{"cursor": notice.id, **notice.payload} for notice in page]}
    return _signed_answer(body, signed.path)


def acknowledge(platform: Platform, after: int) -> int:
    """Mark the platform's notices up to ``after`` delivered by the feed; how many were not yet."""
    done = db.session.execute(
        sa.update(PlatformNotice)
        .where(PlatformNotice.platform_code == platform.code, PlatformNotice.id <= after,
               PlatformNotice.delivered_at.is_(None))
        .values(delivered_at=utcnow(), delivered_by="feed"))
    return done.rowcount


def _cursor(value: str) -> int:
    if not CURSOR.fullmatch(value):
        raise ApiError(400, "after 须为非负整数（上次处理到的 cursor，首次为 0）。",
                       "after must be a non-negative integer (the last cursor processed; 0 at "
                       "first).", ipc_code=400)
    return int(value)


def _limit(value: str | None) -> int:
    most = current_app.config["NOTICE_FEED_MAX"]
    if value is None:
        return min(DEFAULT_LIMIT, most)
    if not value.isascii() or not value.isdigit() or not 1 <= int(value) <= most:
        raise ApiError(400, f"limit 须为 1 至 {most} 的整数。",
                       f"limit must be an integer from 1 to {most}.", ipc_code=400)
    return int(value)


def _signed_answer(body: dict, path: str) -> Response:
    data = json.dumps(body, ensure_ascii=False).encode()
    headers = delivery.signed_headers(delivery.signer(), "GET", path, data)
    return Response(data, 200, headers, mimetype="application/json")
