"""Sign-in throttling (登录限流): failed console sign-ins are counted per account and per address.

Only failures count (Flask-Limiter's ``deduct_when``): clerks who sign in do not use up the
allowance of the office address they share. Once an account's or an address's allowance for
the window is spent, every further attempt is refused with 429 before any password is checked
or anything is audited. So one account, or one address, adds at most its allowance of
``staff.login_failed`` entries to the audit log per window, however fast it tries.

The counters live in ``RATELIMIT_STORAGE_URI``: ``memory://`` counts in each process (the
embedded default); in production Redis (``redis://host:6379``) lets every worker and host
share them (should Redis be unreachable, sign-ins go on unthrottled and Flask-Limiter logs
each miss). Each app has its own limiter, so apps built side by side (tests) never share one.
"""

from __future__ import annotations

import logging
import math
import time

from flask import Flask, current_app, request
from flask_limiter import Limiter
from flask_limiter.errors import RateLimitExceeded
from flask_limiter.util import get_remote_address

from backend.errors import error_body

log = logging.getLogger(__name__)

_FAILED = "wyc.sign_in_failed"  # request.environ: this request was a refused sign-in
_EXTENSION = "login_limiter"


def init_app(app: Flask, endpoint: str = "console.login") -> None:
    """Throttle the sign-in view's POSTs (after the blueprints are registered)."""
    limiter = Limiter(get_remote_address, app=app,
                      storage_uri=app.config["RATELIMIT_STORAGE_URI"],
                      key_prefix=app.config["RATELIMIT_KEY_PREFIX"], headers_enabled=True,
                      # Redis unreachable: sign-ins go on unthrottled (passwords are still
                      # checked) and each miss is logged, rather than nobody signing in.
                      swallow_errors=True)
    app.extensions[_EXTENSION] = limiter
    per_address = limiter.limit(app.config["LOGIN_LIMIT_PER_ADDRESS"], methods=["POST"],
                                deduct_when=_failed, scope="sign-in-address")
    per_account = limiter.limit(app.config["LOGIN_LIMIT_PER_ACCOUNT"], methods=["POST"],
                                key_func=_account, deduct_when=_failed, scope="sign-in-account")
    app.view_functions[endpoint] = per_address(per_account(app.view_functions[endpoint]))
    if app.config["ENV_MODE"] == "production" and \
            app.config["RATELIMIT_STORAGE_URI"].startswith("memory://"):
        log.warning("RATELIMIT_STORAGE_URI is memory://: each worker counts failed sign-ins on "
                    "its own; set it to the Redis every worker shares (README, Security)")


def count_failure() -> None:
    """Called by the sign-in view when it refuses the credentials."""
    request.environ[_FAILED] = True


def _failed(_response) -> bool:
    return request.environ.get(_FAILED, False)


def _account() -> str:
    # Case and surrounding spaces do not make a new account to guess at.
    return "account:" + request.form.get("username", "").strip().casefold()[:64]


def refusal(_error: RateLimitExceeded) -> dict:
    """The 429 page's text: how long to wait, and whom to ask."""
    minutes = max(1, math.ceil(_seconds_to_wait() / 60))
    return error_body(
        429,
        message=f"登录失败次数过多，请 {minutes} 分钟后再试。如忘记密码，请联系系统管理员重置。",
        message_en=(f"Too many failed sign-ins. Try again in {minutes} min; if you have "
                    "forgotten your password, ask an administrator to reset it."))


def _seconds_to_wait() -> float:
    limit = current_app.extensions[_EXTENSION].current_limit
    return limit.reset_at - time.time() if limit else 60.0
