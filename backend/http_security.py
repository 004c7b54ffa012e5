"""What every response tells the browser about itself, and which reverse proxies are believed.

Every page, API answer and static file carries:

- ``Content-Security-Policy``: scripts, styles, images, fonts and form targets from this site
  only, no inline script or style (the templates have none: a form that asks first says so with
  ``data-confirm`` and ``static/console.js`` asks), no plugins, and no framing by anyone;
- ``X-Frame-Options: DENY`` for browsers that do not read ``frame-ancestors``;
- ``X-Content-Type-Options: nosniff``: an uploaded or served file is never run as another type;
- ``Referrer-Policy: same-origin``: the address of a certificate check (``/v/<token>``) is not
  sent to other sites; same-site requests keep their ``Referer``, which Flask-WTF checks on
  HTTPS form posts;
- ``Strict-Transport-Security`` when the request came over TLS or the app runs in production
  (where it is always behind TLS): browsers then refuse plain HTTP for a year.

Behind a reverse proxy, ``TRUSTED_PROXIES`` says how many proxies' ``X-Forwarded-For`` and
``X-Forwarded-Proto`` to believe, so that the sign-in throttle sees the client's address and
the app knows the request was made over TLS. With 0 (the default) the headers are ignored: a
client could otherwise claim any address.
"""

from __future__ import annotations

from flask import Flask, current_app, request
from werkzeug.middleware.proxy_fix import ProxyFix

CONTENT_SECURITY_POLICY = "; ".join([
    "default-src 'self'",
    "script-src 'self'",
    "style-src 'self'",
    "img-src 'self' data:",
    "object-src 'none'",
    "base-uri 'none'",
    "form-action 'self'",
    "frame-ancestors 'none'",
])
HSTS = "max-age=31536000"

HEADERS = {
    "Content-Security-Policy": CONTENT_SECURITY_POLICY,
    "X-Frame-Options": "DENY",
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "same-origin",
}


def init_app(app: Flask) -> None:
    proxies = app.config["TRUSTED_PROXIES"]
    if proxies:
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=proxies, x_proto=proxies)
    app.after_request(_add_security_headers)


def _add_security_headers(response):
    for name, value in HEADERS.items():
        response.headers.setdefault(name, value)
    if request.is_secure or current_app.config["ENV_MODE"] == "production":
        response.headers.setdefault("Strict-Transport-Security", HSTS)
    return response
