"""Real-name identity assertions from the i厦门 identity provider.

The app sends ``Authorization: Bearer <assertion>``: a JWS (ES256 or EdDSA) signed by the
identity provider, with claims ``sub`` (the provider's stable subject id), ``id_number``,
``name``, ``rn_level`` (real-name assurance level), ``iss``, ``aud``, ``iat`` and ``exp``.
We accept it only when the signature verifies against a configured provider key and issuer,
audience and expiry all check out.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import hashlib
import json
from pathlib import Path

import jwt
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec
from flask import current_app

from backend.common.private_files import private_directory, write_private_file
from backend.common.text import is_plain

ALGORITHMS = ["ES256", "EdDSA"]
REQUIRED_CLAIMS = ["sub", "id_number", "name", "rn_level", "iss", "aud", "exp", "iat"]


class InvalidAssertion(Exception):
    """The bearer token is missing, forged, expired, or not for us."""


@dataclasses.dataclass(frozen=True)
class Assertion:
    subject: str
    id_number: str
    name: str
    rn_level: str
    issuer: str
    expires_at: dt.datetime


def _load_public_keys(path: str) -> list:
    """A PEM public key, or a JWKS document with several (for the provider's key rotation)."""
    text = Path(path).read_text()
    if text.lstrip().startswith("{"):
        return [jwt.PyJWK(key).key for key in json.loads(text)["keys"]]
    return [serialization.load_pem_public_key(text.encode())]


def _public_keys() -> list:
    cache = current_app.extensions.setdefault("idp_keys", {})
    path = current_app.config["IDP_PUBLIC_KEY_FILE"]
    if path not in cache:
        cache[path] = _load_public_keys(path)
    return cache[path]


VERIFIED_CACHE_SIZE = 50_000


def verify_assertion(token: str) -> Assertion:
    """The assertion ``token`` carries, once its signature, issuer, audience and expiry check
    out. A phone sends the same token with every request until it expires, so a verified
    token is remembered (by its exact text, per provider key file) and only its expiry is
    checked again: the signature check costs more than the rest of the request's reading."""
    verified = current_app.extensions.setdefault("idp_verified", {})
    cache_key = (current_app.config["IDP_PUBLIC_KEY_FILE"], token)
    if (assertion := verified.get(cache_key)) is not None:
        if assertion.expires_at > dt.datetime.now(dt.UTC):
            return assertion
        verified.pop(cache_key, None)
        raise InvalidAssertion("Signature has expired")
    assertion = _verify(token)
    if len(verified) >= VERIFIED_CACHE_SIZE:
        verified.clear()
    verified[cache_key] = assertion
    return assertion


def _verify(token: str) -> Assertion:
    config = current_app.config
    for key in _public_keys():
        try:
            claims = jwt.decode(
                token, key, algorithms=ALGORITHMS, audience=config["IDP_AUDIENCE"],
                issuer=config["IDP_ISSUER"], options={"require": REQUIRED_CLAIMS},
            )
        except jwt.InvalidSignatureError:
            continue
        except jwt.PyJWTError as error:
            raise InvalidAssertion(str(error)) from None
        if not is_plain(str(claims["name"])):  # (stored with the person: see common/text.py)
            raise InvalidAssertion("the name claim has control characters")
        return Assertion(
            subject=str(claims["sub"]), id_number=str(claims["id_number"]).upper(),
            name=str(claims["name"]), rn_level=str(claims["rn_level"]),
            issuer=claims["iss"], expires_at=dt.datetime.fromtimestamp(claims["exp"], dt.UTC),
        )
    raise InvalidAssertion("signature does not verify against any provider key")


# -- the development identity provider (IDP_MODE=dev only) ------------------------------------

def ensure_dev_provider_keys(private_path: str, public_path: str) -> None:
    """Create the dev provider's P-256 key pair under ``instance/`` on first start."""
    private_file, public_file = Path(private_path), Path(public_path)
    if private_file.exists() and public_file.exists():
        return
    private_directory(private_file.parent)
    key = ec.generate_private_key(ec.SECP256R1())
    write_private_file(private_file, key.private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption(),
    ))
    write_private_file(public_file, key.public_key().public_bytes(
        serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo,
    ))


def issue_dev_assertion(id_number: str, name: str, *, ttl_seconds: int | None = None) -> str:
    config = current_app.config
    now = dt.datetime.now(dt.UTC)
    ttl = ttl_seconds if ttl_seconds is not None else config["IDP_TOKEN_TTL_SECONDS"]
    claims = {
        "sub": "dev-" + hashlib.sha256(id_number.encode()).hexdigest()[:20],
        "id_number": id_number, "name": name, "rn_level": "L3",
        "iss": config["IDP_ISSUER"], "aud": config["IDP_AUDIENCE"],
        "iat": int(now.timestamp()), "exp": int((now + dt.timedelta(seconds=ttl)).timestamp()),
    }
    private_key = Path(config["IDP_DEV_PRIVATE_KEY_FILE"]).read_bytes()
    return jwt.encode(claims, private_key, algorithm="ES256", headers={"kid": "dev-idp"})
