"""Real-name identity assertions from the i厦门 identity provider.

The app sends ``Authorization: Bearer <assertion>``: a JWS (ES256 or EdDSA) signed by the
identity provider, with claims ``sub`` (the provider's stable subject id), ``id_number``,
``name``, ``rn_level`` (real-name assurance level), ``iss``, ``aud``, ``iat`` and ``exp``.
A company's (法人) assertion adds ``uscc`` and ``company_name``: the person named acts for it.
We accept it only when the signature verifies against a configured provider key and issuer,
audience and expiry all check out, the text claims are text and the times are times.

``rn_level`` is ``L1`` to ``L4``, a higher number a stronger proof that the account holder is
the person named (README, *Real-name levels*); the app's API asks for ``IDP_MIN_RN_LEVEL``.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import hashlib
import json
import math
import re
from pathlib import Path

import jwt
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec
from flask import current_app

from backend.common.private_files import private_directory, write_private_file
from backend.common.text import is_plain

ALGORITHMS = ["ES256", "EdDSA"]
REQUIRED_CLAIMS = ["sub", "id_number", "name", "rn_level", "iss", "aud", "exp", "iat"]
TEXT_CLAIMS = ("sub", "id_number", "name", "rn_level")
TIME_CLAIMS = ("exp", "iat", "nbf")
LATEST_TIME = dt.datetime(9999, 12, 31, tzinfo=dt.UTC).timestamp()  # (what a datetime can hold)
RN_LEVEL = re.compile(r"L([1-4])")
RN_LEVELS = ("L1", "L2", "L3", "L4")
#: What each level's holder did to prove who they are (Chinese, English).
RN_LEVEL_PROOFS = {
    1: ("手机号注册", "registration with a mobile number"),
    2: ("姓名与身份证号实名认证", "name and ID number check"),
    3: ("刷脸实人认证", "face check"),
    4: ("现场或身份证芯片核验", "check in person or with the ID card's chip"),
}


class InvalidAssertion(Exception):
    """The bearer token is missing, forged, expired, or not for us."""


@dataclasses.dataclass(frozen=True)
class Assertion:
    subject: str
    id_number: str
    name: str
    rn_level: int
    issuer: str
    expires_at: dt.datetime
    # set when the person signs in for a legal person (法人): its credit code and name
    uscc: str | None = None
    company_name: str | None = None


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
        # (PyJWT reads the time claims with int(); older versions let the TypeError of a
        # list or the OverflowError of an infinity through)
        except (jwt.PyJWTError, TypeError, OverflowError) as error:
            raise InvalidAssertion(str(error)) from None
        return _assertion(claims)
    raise InvalidAssertion("signature does not verify against any provider key")


def _assertion(claims: dict) -> Assertion:
    """The claims of a token whose signature checked out, once each has the type it must:
    a provider's bug (a string or a year-50000 ``exp``) is a refused sign-in, never a 500."""
    for name in TEXT_CLAIMS:
        if not isinstance(claims[name], str):
            raise InvalidAssertion(f"the {name} claim is not text")
    for name in TIME_CLAIMS:
        if name in claims and not _is_time(claims[name]):
            raise InvalidAssertion(f"the {name} claim is not a time")
    if not is_plain(claims["name"]):  # (stored with the person: see common/text.py)
        raise InvalidAssertion("the name claim has control characters")
    if (level := rn_level_number(claims["rn_level"])) is None:
        raise InvalidAssertion("the rn_level claim is not L1 to L4")
    return Assertion(
        subject=claims["sub"], id_number=claims["id_number"].upper(), name=claims["name"],
        rn_level=level, issuer=claims["iss"],
        expires_at=dt.datetime.fromtimestamp(claims["exp"], dt.UTC),
        **_company_claims(claims),
    )


def _company_claims(claims: dict) -> dict:
    """``uscc`` and ``company_name`` of a company's assertion: both or neither."""
    uscc, name = claims.get("uscc"), claims.get("company_name")
    if uscc is None and name is None:
        return {}
    if not (isinstance(uscc, str) and isinstance(name, str) and uscc and name) or not is_plain(name):
        raise InvalidAssertion("a company assertion needs a uscc and a plain company_name")
    return {"uscc": uscc.upper(), "company_name": name}


def _is_time(value) -> bool:
    """A NumericDate (RFC 7519 §2): seconds since 1970, a number a date can be made of."""
    return (isinstance(value, int | float) and not isinstance(value, bool)
            and math.isfinite(value) and 0 <= value <= LATEST_TIME)


def rn_level_number(level: str) -> int | None:
    """``"L3"`` → 3; ``None`` for anything that is not a level."""
    match = RN_LEVEL.fullmatch(level) if isinstance(level, str) else None
    return int(match[1]) if match else None


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


def issue_dev_assertion(id_number: str, name: str, *, ttl_seconds: int | None = None,
                        rn_level: str = "L3", company: tuple[str, str] | None = None) -> str:
    """A signed assertion for the person; with ``company`` (USCC, name), acting for it."""
    config = current_app.config
    now = dt.datetime.now(dt.UTC)
    ttl = ttl_seconds if ttl_seconds is not None else config["IDP_TOKEN_TTL_SECONDS"]
    claims = {
        "sub": "dev-" + hashlib.sha256(id_number.encode()).hexdigest()[:20],
        "id_number": id_number, "name": name, "rn_level": rn_level,
        "iss": config["IDP_ISSUER"], "aud": config["IDP_AUDIENCE"],
        "iat": int(now.timestamp()), "exp": int((now + dt.timedelta(seconds=ttl)).timestamp()),
    }
    if company is not None:
        claims["uscc"], claims["company_name"] = company
    private_key = Path(config["IDP_DEV_PRIVATE_KEY_FILE"]).read_bytes()
    return jwt.encode(claims, private_key, algorithm="ES256", headers={"kid": "dev-idp"})
