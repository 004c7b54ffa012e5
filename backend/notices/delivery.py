"""Pushing notices to the platforms' callbacks, signed by the bureau, retried until acknowledged.

Each notice is POSTed alone, as JSON, to the platform's ``notice_url``, signed with the bureau's
current certificate signing key (Ed25519, ``backend.certificates.keys``; the public keys are
published at ``/.well-known/certificate-keys``)::

    X-Bureau-Key-Id:     the key id (``kid`` in the published key set)
    X-Bureau-Timestamp:  Unix seconds
    X-Bureau-Nonce:      32 hex characters, new for every attempt
    X-Bureau-Signature:  base64url (no padding) Ed25519 signature of
                         POST \\n PATH?QUERY \\n TIMESTAMP \\n NONCE \\n hex SHA-256(body)

(the string the intake's platforms already sign, ``backend.devices.keys.string_to_sign``). Any
2xx answer acknowledges the notice; anything else (another status, a redirect, a timeout, a
refused connection) is tried again after ``NOTICE_RETRY_BASE_SECONDS`` doubled per attempt, at
most ``NOTICE_RETRY_MAX_SECONDS`` apart, for ever. A platform that cannot be reached holds all
its notices back until the next try (one timeout per round, not one per notice).

Order: a notice is sent only when every earlier notice of the same certificate to the same
platform is acknowledged. Several workers may run: each claims a notice (moving its next
attempt ``CLAIM_SECONDS`` ahead, committed) before sending it, so no two send the same one, and
a worker that dies while sending leaves it to be tried again when the claim runs out.
"""

from __future__ import annotations

import base64
import dataclasses
import datetime as dt
import functools
import json
import logging
import secrets
import time
from urllib.parse import urlsplit

import requests
import sqlalchemy as sa
from flask import current_app

from backend.certificates.keys import Signer, current_signer
from backend.common.masking import mask_personal_data
from backend.db import db, utcnow
from backend.devices.keys import string_to_sign
from backend.notices.models import PlatformNotice
from backend.platforms.models import Platform

log = logging.getLogger(__name__)
CLAIM_SECONDS = 120
_json = json.JSONEncoder(ensure_ascii=False, sort_keys=True, separators=(",", ":")).encode


def body_of(notice: PlatformNotice) -> bytes:
    return _json(notice.payload).encode()


def signed_headers(signer: Signer, method: str, path: str, body: bytes, *,
                   timestamp: int | None = None, nonce: str | None = None) -> dict[str, str]:
    """The bureau's signature headers over a request (or an answer) of ``method`` to ``path``."""
    stamp = str(int(time.time()) if timestamp is None else timestamp)
    nonce = nonce or secrets.token_hex(16)
    signature = signer.private_key.sign(string_to_sign(method, path, stamp, nonce, body))
    return {"X-Bureau-Key-Id": signer.kid, "X-Bureau-Timestamp": stamp, "X-Bureau-Nonce": nonce,
            "X-Bureau-Signature": base64.urlsafe_b64encode(signature).rstrip(b"=").decode()}


def signer() -> Signer:
    return current_signer(current_app.config["SIGNING_KEYS_DIR"])


def backoff(attempts: int) -> dt.timedelta:
    """How long after the ``attempts``-th failed try the next one is made."""
    config = current_app.config
    seconds = config["NOTICE_RETRY_BASE_SECONDS"] * 2 ** min(max(attempts - 1, 0), 30)
    return dt.timedelta(seconds=min(seconds, config["NOTICE_RETRY_MAX_SECONDS"]))


# -- what is due --------------------------------------------------------------------------------

@functools.cache
def _due_query() -> sa.Select:
    """Due: not acknowledged, its time has come, its platform has a callback, and no earlier
    notice of the same certificate to the same platform is still waiting. (Built on first
    use, once every model is mapped.)"""
    earlier = sa.orm.aliased(PlatformNotice)
    return (sa.select(PlatformNotice.id, PlatformNotice.platform_code)
            .join(Platform, Platform.code == PlatformNotice.platform_code)
            .where(PlatformNotice.delivered_at.is_(None),
                   PlatformNotice.next_attempt_at <= sa.bindparam("now"),
                   Platform.notice_url.is_not(None),
                   ~sa.exists().where(earlier.platform_code == PlatformNotice.platform_code,
                                      earlier.subject == PlatformNotice.subject,
                                      earlier.delivered_at.is_(None),
                                      earlier.id < PlatformNotice.id))
            .order_by(PlatformNotice.id).limit(sa.bindparam("limit")))


def due(now: dt.datetime, limit: int) -> list[tuple[int, str]]:
    """(id, platform code) of the notices to send now, oldest first."""
    return [tuple(row) for row in db.session.execute(_due_query(), {"now": now, "limit": limit})]


def claim(notice_id: int, now: dt.datetime) -> PlatformNotice | None:
    """Take the notice for this worker (None when another has it, or it was acknowledged)."""
    taken = db.session.execute(
        sa.update(PlatformNotice)
        .where(PlatformNotice.id == notice_id, PlatformNotice.delivered_at.is_(None),
               PlatformNotice.next_attempt_at <= now)
        .values(next_attempt_at=now + dt.timedelta(seconds=CLAIM_SECONDS)))
    if taken.rowcount != 1:
        return None
    return db.session.get(PlatformNotice, notice_id, populate_existing=True)


# -- sending ------------------------------------------------------------------------------------

@dataclasses.dataclass
class Result:
    delivered: bool
    reachable: bool  # False: the platform did not answer at all (hold its other notices)
    error: str | None = None


def send(notice: PlatformNotice, url: str, key: Signer) -> Result:
    body = body_of(notice)
    parts = urlsplit(url)
    path = parts.path or "/"
    if parts.query:
        path += "?" + parts.query
    headers = {"Content-Type": "application/json; charset=utf-8",
               "X-Notice-Id": notice.notice_id, **signed_headers(key, "POST", path, body)}
    try:
        answer = requests.post(url, data=body, headers=headers, allow_redirects=False,
                               timeout=current_app.config["NOTICE_TIMEOUT_SECONDS"])
    except requests.RequestException as error:
        return Result(False, False, f"{type(error).__name__}: {mask_personal_data(str(error))}")
    if 200 <= answer.status_code < 300:
        return Result(True, True)
    return Result(False, True, f"HTTP {answer.status_code}")


def settle(notice: PlatformNotice, result: Result, now: dt.datetime) -> None:
    """Record one attempt: acknowledged, or when to try again."""
    notice.attempts += 1
    if result.delivered:
        notice.delivered_at, notice.delivered_by, notice.last_error = now, "callback", None
        return
    notice.last_error = (result.error or "")[:300]
    notice.next_attempt_at = now + backoff(notice.attempts)
    if not result.reachable:  # the platform's other notices wait as long
        db.session.execute(
            sa.update(PlatformNotice)
            .where(PlatformNotice.platform_code == notice.platform_code,
                   PlatformNotice.delivered_at.is_(None), PlatformNotice.id != notice.id,
                   PlatformNotice.next_attempt_at < notice.next_attempt_at)
            .values(next_attempt_at=notice.next_attempt_at))


@dataclasses.dataclass
class Round:
    delivered: int = 0
    failed: int = 0


def deliver_round(limit: int = 500, *, commit) -> Round:
    """Send what is due, oldest first, each notice in transactions of its own (``commit`` is
    the command's: a claim and an outcome are kept whatever happens to the next notice)."""
    outcome, key = Round(), signer()
    unreachable: set[str] = set()  # platforms that did not answer in this round
    for notice_id, platform_code in due(utcnow(), limit):
        if platform_code in unreachable:
            continue
        notice = claim(notice_id, utcnow())
        commit()
        if notice is None:  # (another worker has it)
            continue
        result = send(notice, db.session.get(Platform, platform_code).notice_url, key)
        settle(notice, result, utcnow())
        commit()
        if result.delivered:
            outcome.delivered += 1
            continue
        outcome.failed += 1
        if not result.reachable:
            unreachable.add(platform_code)
        log.warning("notice %s to %s not delivered (attempt %d): %s", notice.id,
                    platform_code, notice.attempts, notice.last_error)
    return outcome
