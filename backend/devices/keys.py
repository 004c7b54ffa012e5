"""Device secrets and the signature every kiosk request carries.

A kiosk signs each request with its secret::

    X-Device-Id:  kiosk-3f9a1c2e5b7d
    X-Timestamp:  1764480000                       (unix seconds)
    X-Nonce:      random, at most 64 of [A-Za-z0-9_-]
    X-Signature:  hex HMAC-SHA256(secret, METHOD \\n PATH?QUERY \\n TIMESTAMP \\n NONCE \\n
                                          hex SHA-256(body))

The backend must be able to recompute the HMAC, so it keeps the secret itself, sealed with
AES-GCM under a key derived from ``DEVICE_SECRETS_KEY`` (default: the app's ``SECRET_KEY``)
and bound to the device id. Changing that key makes every kiosk need a re-key.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import os
import secrets

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.kdf.hkdf import HKDF
from flask import current_app

SEAL_VERSION = "v1"


def new_device_id() -> str:
    return f"kiosk-{secrets.token_hex(6)}"


def new_secret() -> str:
    return secrets.token_urlsafe(32)


def _sealing_key() -> AESGCM:
    master = current_app.config.get("DEVICE_SECRETS_KEY") or current_app.config["SECRET_KEY"]
    key = HKDF(algorithm=hashes.SHA256(), length=32, salt=None,
               info=b"xm-wyc device secrets v1").derive(master.encode())
    return AESGCM(key)


def seal(device_id: str, secret: str) -> str:
    nonce = os.urandom(12)
    sealed = _sealing_key().encrypt(nonce, secret.encode(), device_id.encode())
    return f"{SEAL_VERSION}.{base64.urlsafe_b64encode(nonce + sealed).decode()}"


def unseal(device_id: str, sealed: str) -> str | None:
    """The secret, or ``None`` when it was sealed under another key (or tampered with)."""
    version, _, data = sealed.partition(".")
    if version != SEAL_VERSION:
        return None
    raw = base64.urlsafe_b64decode(data)
    try:
        return _sealing_key().decrypt(raw[:12], raw[12:], device_id.encode()).decode()
    except InvalidTag:
        return None


def string_to_sign(method: str, path: str, timestamp: str, nonce: str, body: bytes) -> bytes:
    return "\n".join([method.upper(), path, timestamp, nonce,
                      hashlib.sha256(body).hexdigest()]).encode()


def signature(secret: str, message: bytes) -> str:
    return hmac.new(secret.encode(), message, hashlib.sha256).hexdigest()


def signature_matches(secret: str, message: bytes, given: str) -> bool:
    return hmac.compare_digest(signature(secret, message), given.lower())
