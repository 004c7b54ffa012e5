"""The backend's kiosk API over HTTP, every request signed with the device's secret.

Signature (the backend's ``backend.devices.keys`` checks the same thing)::

    X-Signature = hex HMAC-SHA256(secret, METHOD \\n PATH?QUERY \\n TIMESTAMP \\n NONCE \\n
                                          hex SHA-256(body))

Failures come back as two exceptions a kiosk can act on: :class:`BackendUnavailable` (no
answer: retry later, nothing was done) and :class:`BackendRefused` (an answer in the API's
error shape, with a message to show as it is).
"""

from __future__ import annotations

import hashlib
import hmac
import json
import secrets
import time
from urllib.parse import urlsplit

import requests

API = "/kiosk/v1"


def signed_headers(device_id: str, secret: str, method: str, path: str, body: bytes, *,
                   timestamp: float | None = None, nonce: str | None = None) -> dict[str, str]:
    """The four authentication headers for one request (``path`` with its query string)."""
    stamp = str(int(time.time() if timestamp is None else timestamp))
    nonce = nonce or secrets.token_urlsafe(18)
    message = "\n".join([method.upper(), path, stamp, nonce, hashlib.sha256(body).hexdigest()])
    signature = hmac.new(secret.encode(), message.encode(), hashlib.sha256).hexdigest()
    return {"X-Device-Id": device_id, "X-Timestamp": stamp, "X-Nonce": nonce,
            "X-Signature": signature}


class BackendError(Exception):
    """Base of the client's errors."""


class BackendUnavailable(BackendError):
    """The backend did not answer (down, unreachable, timed out, or a proxy's error page)."""


class BackendRefused(BackendError):
    """The backend answered with an error: ``message``/``message_en`` are for the citizen,
    ``reason`` is a machine code where the API gives one (``reported_lost``, …)."""

    def __init__(self, status: int, body: dict):
        self.status = status
        self.body = body
        self.message = body.get("message") or "请求未能完成。"
        self.message_en = body.get("message_en") or "The request could not be completed."
        self.reason = body.get("reason")
        super().__init__(f"HTTP {status}: {self.message_en}")

    @property
    def retryable(self) -> bool:
        """A server-side hiccup (5xx): trying again later may work."""
        return self.status >= 500


class KioskClient:
    def __init__(self, base_url: str, device_id: str, secret: str, *, timeout: float = 8.0):
        self.base_url = base_url.rstrip("/")
        self.device_id = device_id
        self._secret = secret
        self.timeout = timeout
        self._http = requests.Session()

    def close(self) -> None:
        self._http.close()

    def device(self) -> dict:
        return self._call("GET", "/device")

    def start_session(self, card: dict) -> dict:
        return self._call("POST", "/sessions", card)

    def apply(self, session_id: str, matter: str, transaction_id: str, *,
              mailing_address: dict | None = None, phone: str | None = None,
              reason: str | None = None) -> dict:
        body = {"matter": matter, "transaction_id": transaction_id}
        if reason:
            body["reason"] = reason
        if mailing_address:
            body["mailing_address"] = mailing_address
        if phone:
            body["phone"] = phone
        return self._call("POST", f"/sessions/{session_id}/applications", body)

    def rate(self, session_id: str, application_number: str, level: int,
             comment: str | None = None) -> dict:
        body = {"application_number": application_number, "level": level}
        if comment:
            body["comment"] = comment
        return self._call("POST", f"/sessions/{session_id}/rating", body)

    def end_session(self, session_id: str, reason: str) -> None:
        self._call("DELETE", f"/sessions/{session_id}?reason={reason}")

    def _call(self, method: str, path: str, payload: dict | None = None) -> dict:
        url = f"{self.base_url}{API}{path}"
        body = b"" if payload is None else json.dumps(payload, ensure_ascii=False).encode()
        split = urlsplit(url)
        signed_path = split.path + (f"?{split.query}" if split.query else "")
        headers = signed_headers(self.device_id, self._secret, method, signed_path, body)
        if payload is not None:
            headers["Content-Type"] = "application/json"
        try:
            response = self._http.request(method, url, data=body or None, headers=headers,
                                          timeout=self.timeout)
        except requests.RequestException as error:
            raise BackendUnavailable(type(error).__name__) from None
        return _result(response)


def _result(response: requests.Response) -> dict:
    if response.status_code == 204:
        return {}
    try:
        body = response.json()
    except ValueError:
        body = None
    if not isinstance(body, dict):
        raise BackendUnavailable(f"HTTP {response.status_code} without a JSON body")
    if response.status_code >= 400:
        if "message" not in body:  # not our API's error shape: a proxy or gateway answered
            raise BackendUnavailable(f"HTTP {response.status_code}")
        raise BackendRefused(response.status_code, body)
    return body
