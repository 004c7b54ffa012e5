"""Every response carries the browser security headers; production cookies are Secure and
production answers carry HSTS."""

import pytest

from backend import create_app
from backend.config import ConfigurationError
from backend.http_security import CONTENT_SECURITY_POLICY

PRODUCTION = {"APP_ENV": "production", "SECRET_KEY": "a-long-private-secret-from-the-vault",
              "IDP_MODE": "ixiamen"}


def assert_security_headers(response):
    headers = response.headers
    assert headers["Content-Security-Policy"] == CONTENT_SECURITY_POLICY
    assert "frame-ancestors 'none'" in CONTENT_SECURITY_POLICY
    assert "'unsafe-inline'" not in CONTENT_SECURITY_POLICY
    assert headers["X-Frame-Options"] == "DENY"
    assert headers["X-Content-Type-Options"] == "nosniff"
    # (the certificate check's own stricter policy stands: its address carries the token)
    assert headers["Referrer-Policy"] == (
        "no-referrer" if response.request.path.startswith("/v/") else "same-origin")


@pytest.mark.parametrize("path", [
    "/console/login",  # a console page
    "/console/review",  # its redirect to sign in
    "/v/garbled",  # the public certificate check
    "/api/openapi.json",  # an API answer
    "/api/v1/applications",  # an API error (no token: 401)
    "/static/site.css",
    "/healthz",
])
def test_every_answer_carries_the_security_headers(client, path):
    with client.get(path) as response:
        assert response.status_code < 500
        assert_security_headers(response)
        assert "Strict-Transport-Security" not in response.headers  # (plain HTTP, development)


def test_answers_over_tls_carry_hsts(client):
    response = client.get("/console/login", base_url="https://localhost")
    assert response.headers["Strict-Transport-Security"] == "max-age=31536000"


def test_behind_a_trusted_proxy_tls_is_seen_and_otherwise_the_header_is_ignored(app_factory):
    forwarded = {"X-Forwarded-Proto": "https", "X-Forwarded-For": "198.51.100.7"}
    direct = app_factory().test_client().get("/healthz", headers=forwarded)
    assert "Strict-Transport-Security" not in direct.headers
    proxied = app_factory(TRUSTED_PROXIES=1).test_client().get("/healthz", headers=forwarded)
    assert proxied.headers["Strict-Transport-Security"] == "max-age=31536000"


@pytest.fixture
def production(monkeypatch, tmp_path):
    for name, value in PRODUCTION.items():
        monkeypatch.setenv(name, value)
    monkeypatch.delenv("SESSION_COOKIE_SECURE", raising=False)
    monkeypatch.setenv("IDP_PUBLIC_KEY_FILE", str(tmp_path / "provider.pem"))


def test_in_production_the_session_cookie_is_secure_and_hsts_is_sent(production, app_factory):
    app = app_factory()
    response = app.test_client().get("/console/login")  # (the CSRF token opens a session)
    cookie = response.headers["Set-Cookie"]
    assert cookie.startswith("session=") and "; Secure" in cookie and "; HttpOnly" in cookie
    assert response.headers["Strict-Transport-Security"] == "max-age=31536000"
    assert_security_headers(response)


def test_production_refuses_a_session_cookie_sent_in_clear(production, monkeypatch, tmp_path):
    monkeypatch.setenv("INSTANCE_PATH", str(tmp_path))
    monkeypatch.setenv("SESSION_COOKIE_SECURE", "0")
    with pytest.raises(ConfigurationError, match="SESSION_COOKIE_SECURE"):
        create_app()
