"""Signed certificate tokens: what the QR code on a certificate carries.

Format
------
A JWS (RFC 7515) in compact serialization, signed with EdDSA over Ed25519 (RFC 8037)::

    base64url(header) . base64url(payload) . base64url(signature)

The (signed) header is ``{"alg":"EdDSA","kid":"<6 chars>"}``. The payload is a JSON object
(UTF-8, no whitespace) with one-letter claim names to keep the QR code small:

=====  ==========================================================  ======================
claim  meaning                                                     example
=====  ==========================================================  ======================
``k``  kind: ``d`` driver, ``t`` transport, ``p`` platform         ``"d"``
``n``  certificate number, as printed on the certificate, for      ``"闽交运管许可厦字…号"``
       kinds whose number is not a person's ID number
``m``  the number's first and last character, for kinds whose      ``"3*4"``
       number is the holder's ID number (drivers)
``c``  the certificate's id in the bureau's register, with ``m``   ``1207``
``v``  certificate version (reissue and renewal add one)           ``1``
``h``  holder name; a person's is masked, a company's is not       ``"张*三"``
``p``  plate number, transport certificates only                   ``"闽D12345"``
``f``  first valid day, ``YYYYMMDD``                                ``20240301``
``u``  last valid day (inclusive), ``YYYYMMDD``                     ``20300228``
``i``  issue time, Unix seconds                                    ``1709251200``
=====  ==========================================================  ======================

What a scan reveals: the payload is signed, not encrypted, and anyone can decode it. A driver
token therefore holds no more than the verification page shows: the masked name and the ID
number with all but its first and last character hidden. The register id ``c`` lets the
bureau find the certificate (the online check then also compares the masked number); it
means nothing outside the register. Tokens signed before this format carry the full number
in ``n`` for drivers too: they still verify, online and offline, and ``display`` masks it.
(A keyed hash of the number was the other choice; it would need a secret of its own and a
stored column to look certificates up by, and the register id does the same job.)

Validity is by calendar day in China Standard Time (UTC+8, no daylight saving), which is
how the dates are printed, so the standard JWT ``nbf``/``exp`` claims are not used. The QR
code holds ``{PUBLIC_BASE_URL}/v/{token}``: a phone camera opens the public verification page,
and an offline verifier reads the token from the same text.

Why JWS rather than COSE/CWT (the EU digital COVID certificate's choice)
-----------------------------------------------------------------------
CBOR and Base45 would make the payload about a quarter smaller, but Base45's alphabet holds
space, ``%``, ``+`` and ``/``, which must be escaped in a URL path; escaping undoes the saving
and the QR code would no longer be a link a phone opens. base64url is URL-safe as it is,
JWS/EdDSA is implemented by a widely reviewed library (PyJWT over ``cryptography``), and any
inspector can decode the payload with standard tools. A driver token is about 255
characters; behind a base URL of up to about 30 characters the QR text fits version 12 at
level M (65 modules a side). Transport and platform tokens, with a plate or a company name,
take version 13 or 14.

Verification checks, in order, and the machine ``reason`` of each failure: the text has the
JWS shape with canonical base64url segments and a JSON header naming EdDSA (``malformed``);
the key id is in the published set (``unknown_key``); the signature (``bad_signature``); only
then is the payload read, and then the dates (``not_yet_valid``, ``expired``). The online
check (``certificates.operations.verify``) then reads the register: ``unknown_certificate``
when it has no such (kind, number, version), else the certificate's current status
(``revoked``, ``cancelled``, ``replaced``, ``expired``).
"""

from __future__ import annotations

import base64
import binascii
import json
import re
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta, timezone
from enum import StrEnum
from typing import Any

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey
from jwt.api_jws import PyJWS
from jwt.exceptions import InvalidSignatureError, PyJWTError

from backend.certificates.keys import Signer, b64url
from backend.certificates.kinds import CertificateKind, get_kind, kind_for_token_code

CHINA_STANDARD_TIME = timezone(timedelta(hours=8), "CST")
ALGORITHM = "EdDSA"
MAX_MASK_STARS = 3
_JWS = PyJWS(algorithms=[ALGORITHM])
_SEGMENT = re.compile(r"[A-Za-z0-9_-]+")


class Reason(StrEnum):
    """Why a token was refused; the value is the machine code APIs and the CLI report."""

    MALFORMED = "malformed"
    UNKNOWN_KEY = "unknown_key"
    BAD_SIGNATURE = "bad_signature"
    NOT_YET_VALID = "not_yet_valid"
    EXPIRED = "expired"


MESSAGES: dict[Reason, tuple[str, str]] = {
    Reason.MALFORMED: (
        "二维码内容无法识别，不是本局签发的证件码。请重新扫描，或到发证机关核实。",
        "The code is not a certificate code issued by the bureau. Scan again or ask the bureau.",
    ),
    Reason.UNKNOWN_KEY: (
        "签发密钥不在已公布的公钥清单中。请更新核验设备的公钥清单后重试。",
        "The signing key is not in the published key set. Update the verifier's keys and retry.",
    ),
    Reason.BAD_SIGNATURE: (
        "签名校验失败，证件码可能被篡改或伪造。请到发证机关核实。",
        "The signature does not match: the code may be altered or forged. Check with the bureau.",
    ),
    Reason.NOT_YET_VALID: (
        "证件尚未到有效期开始日期。",
        "The certificate is not valid yet.",
    ),
    Reason.EXPIRED: (
        "证件已超过有效期，请持证人办理延续。",
        "The certificate has expired; the holder should renew it.",
    ),
}


@dataclass(frozen=True)
class VerifiedToken:
    """The claims of a token whose signature checked out."""

    kind: str
    number: str  # as signed: masked in a driver token (``m``), full in tokens before that
    version: int
    holder: str  # as signed: masked for persons
    plate: str | None
    valid_from: date
    valid_until: date
    issued_at: datetime  # aware, China Standard Time
    kid: str
    register_id: int | None = None  # ``c``: present exactly when the number is masked

    @property
    def number_masked(self) -> str:
        """The number as pages and the offline verifier show it: an ID number masked whether
        the token masked it or (an older token) not."""
        return mask_id_number(self.number) if get_kind(self.kind).number_is_id_number \
            else self.number

    def display(self) -> dict[str, Any]:
        """Human-readable fields, JSON-serialisable (for the CLI and verification pages)."""
        kind = get_kind(self.kind)
        return {
            "kind": self.kind,
            "title": kind.title,
            "title_en": kind.title_en,
            "number": self.number_masked,
            "version": self.version,
            "holder": self.holder,
            "plate": self.plate,
            "valid_from": self.valid_from.isoformat(),
            "valid_until": self.valid_until.isoformat(),
            "issued_at": self.issued_at.isoformat(),
            "key_id": self.kid,
        }


class TokenError(Exception):
    """A token that is not genuine or not in date. ``claims`` is set for date failures."""

    def __init__(self, reason: Reason, detail: str, claims: VerifiedToken | None = None):
        super().__init__(f"{reason.value}: {detail}")
        self.reason = reason
        self.detail = detail
        self.claims = claims

    @property
    def message_zh(self) -> str:
        return MESSAGES[self.reason][0]

    @property
    def message_en(self) -> str:
        return MESSAGES[self.reason][1]


def mask_name(name: str) -> str:
    """Keep the first and last character: ``张三丰`` → ``张*丰``, ``王五`` → ``王*``.

    At most three stars: the mask then does not tell a long name's length, and a company
    name does not swell the QR code.
    """
    name = name.strip()
    if len(name) <= 1:
        return "*"
    if len(name) == 2:
        return name[0] + "*"
    return name[0] + "*" * min(len(name) - 2, MAX_MASK_STARS) + name[-1]


def mask_id_number(number: str) -> str:
    """Keep the first and last digit of an ID number, as verification pages show it."""
    if len(number) <= 2:
        return "*" * len(number)
    return number[0] + "*" * (len(number) - 2) + number[-1]


def china_today() -> date:
    return datetime.now(CHINA_STANDARD_TIME).date()


def verification_url(public_base_url: str, token: str) -> str:
    """The text of the QR code: the public verification page for this token."""
    return f"{public_base_url.rstrip('/')}/v/{token}"


def token_from_qr_text(text: str) -> str:
    """The token in a scanned QR text (the verification URL) or a bare token."""
    text = text.strip()
    if "/v/" in text:
        text = text.rsplit("/v/", 1)[1]
    return re.split(r"[?#/]", text, maxsplit=1)[0]


def sign_certificate_claims(
    signer: Signer,
    *,
    kind: str,
    number: str,
    holder_name: str,
    valid_from: date,
    valid_until: date,
    issued_at: datetime,
    plate: str | None = None,
    version: int = 1,
    register_id: int | None = None,
) -> str:
    """Sign a certificate's claims and return the compact token.

    ``holder_name`` is the full name; it is masked here when the kind's holder is a person.
    ``number`` is the full number: when it is the holder's ID number (drivers) the token
    carries it masked, with ``register_id``, the certificate's id, to find it by.
    A naive ``issued_at`` is taken as UTC, which is how the database stores times.
    """
    spec = get_kind(kind)
    if spec.requires_plate and not plate:
        raise ValueError(f"a {spec.name} certificate token needs the plate number")
    if spec.number_is_id_number and register_id is None:
        raise ValueError(f"a {spec.name} certificate token needs the certificate's register id")
    claims = _claims(spec, number, version, holder_name, plate, valid_from, valid_until, issued_at)
    if spec.number_is_id_number:
        del claims["n"]
        # (one star for the sixteen hidden digits: the QR code stays version 12)
        claims.update(m=f"{number[0]}*{number[-1]}", c=register_id)
    payload = json.dumps(
        claims,
        ensure_ascii=False,  # UTF-8 Chinese takes 3 bytes a character, \uXXXX 6 bytes
        separators=(",", ":"),
    ).encode("utf-8")
    headers = {"kid": signer.kid, "typ": None}  # typ None: PyJWT then leaves it out
    return _JWS.encode(payload, signer.private_key, algorithm=ALGORITHM, headers=headers)


def _claims(
    spec: CertificateKind,
    number: str,
    version: int,
    holder_name: str,
    plate: str | None,
    valid_from: date,
    valid_until: date,
    issued_at: datetime,
) -> dict[str, Any]:
    holder = mask_name(holder_name) if spec.mask_holder else holder_name.strip()
    claims: dict[str, Any] = {"k": spec.token_code, "n": number, "v": version, "h": holder}
    if plate:
        claims["p"] = plate
    if issued_at.tzinfo is None:
        issued_at = issued_at.replace(tzinfo=UTC)
    claims.update(f=_day_number(valid_from), u=_day_number(valid_until))
    claims["i"] = int(issued_at.timestamp())
    return claims


def verify_token(
    token_or_qr_text: str,
    keyset: Mapping[str, Any],
    *,
    today: date | None = None,
) -> VerifiedToken:
    """Check a token (or the whole QR text) offline against a published key set (JWKS).

    Returns the claims when the token is genuine and in date on ``today`` (default: today in
    China Standard Time); raises ``TokenError`` with a ``reason`` otherwise.
    """
    token = token_from_qr_text(token_or_qr_text)
    kid = _checked_kid(token)
    public_key = public_keys(keyset).get(kid)
    if public_key is None:
        raise TokenError(Reason.UNKNOWN_KEY, f"key id {kid!r} is not in the key set")
    claims = _read_claims(_verified_payload(token, public_key), kid)
    _check_dates(claims, today or china_today())
    return claims


def public_keys(keyset: Mapping[str, Any]) -> dict[str, Ed25519PublicKey]:
    """The Ed25519 keys of a JWKS by key id; keys of other types are left aside.

    Raises ``ValueError`` for a key set that is not one: that is a configuration fault,
    not a verdict on a token.
    """
    keys = {}
    for jwk in keyset.get("keys", []):
        if not isinstance(jwk, Mapping):
            raise ValueError(f"a key set entry is not an object: {jwk!r}")
        if jwk.get("kty") == "OKP" and jwk.get("crv") == "Ed25519":
            keys[str(jwk.get("kid"))] = _public_key(jwk.get("x"))
    return keys


def _public_key(x: Any) -> Ed25519PublicKey:
    try:
        return Ed25519PublicKey.from_public_bytes(_b64decode(x))
    except (TypeError, ValueError) as error:  # binascii.Error is a ValueError
        raise ValueError(f"a key set entry has a bad public key: {error}") from None


def _checked_kid(token: str) -> str:
    """The header's key id, after checking the token's shape and its header."""
    segments = token.split(".")
    if len(segments) != 3:
        raise TokenError(Reason.MALFORMED, "a token has three dot-separated parts")
    decoded = [_strict_segment(segment) for segment in segments]
    try:
        header = json.loads(decoded[0])
    except ValueError:
        raise TokenError(Reason.MALFORMED, "the header is not JSON") from None
    if not isinstance(header, dict) or header.get("alg") != ALGORITHM:
        raise TokenError(Reason.MALFORMED, f"the header must name alg {ALGORITHM}")
    if not isinstance(header.get("kid"), str):
        raise TokenError(Reason.MALFORMED, "the header has no key id")
    return header["kid"]


def _strict_segment(segment: str) -> bytes:
    """Decode base64url, refusing non-canonical text.

    A decoder that ignores the unused low bits of the last character would accept a token
    with that character changed; a changed token must never verify.
    """
    try:
        decoded = _b64decode(segment) if _SEGMENT.fullmatch(segment) else None
    except (binascii.Error, ValueError):
        decoded = None
    if decoded is None or b64url(decoded) != segment:
        raise TokenError(Reason.MALFORMED, "a part is not canonical base64url")
    return decoded


def _b64decode(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


def _verified_payload(token: str, public_key: Ed25519PublicKey) -> bytes:
    try:
        return _JWS.decode_complete(token, public_key, algorithms=[ALGORITHM])["payload"]
    except InvalidSignatureError:
        raise TokenError(Reason.BAD_SIGNATURE, "the signature does not match") from None
    except PyJWTError as error:
        raise TokenError(Reason.MALFORMED, str(error)) from None


def _read_claims(payload: bytes, kid: str) -> VerifiedToken:
    try:
        claims = json.loads(payload)
        kind = kind_for_token_code(claims["k"])
        if kind is None:
            raise ValueError(f"unknown kind code {claims['k']!r}")
        masked = "n" not in claims  # a driver token since the ID number left the token
        return VerifiedToken(
            kind=kind.name,
            number=_unmasked_ends(claims["m"]) if masked else _typed(claims["n"], str),
            version=_typed(claims["v"], int),
            holder=_typed(claims["h"], str),
            plate=_typed(claims["p"], str) if "p" in claims else None,
            valid_from=_day(claims["f"]),
            valid_until=_day(claims["u"]),
            issued_at=datetime.fromtimestamp(_typed(claims["i"], int), CHINA_STANDARD_TIME),
            kid=kid,
            register_id=_typed(claims["c"], int) if masked else None,
        )
    except (ValueError, KeyError, TypeError, OverflowError, OSError) as error:
        raise TokenError(Reason.MALFORMED, f"the claims are incomplete: {error}") from None


def _unmasked_ends(value: Any) -> str:
    """``"3*4"`` → ``"3****************4"``: an 18-character ID number as pages mask it."""
    first, star, last = _typed(value, str).partition("*")
    if not (star and len(first) == len(last) == 1):
        raise ValueError(f"{value!r} is not a masked number")
    return first + "*" * 16 + last


def _typed(value: Any, kind: type) -> Any:
    # bool is an int subclass; a claim of true is not a version or a timestamp.
    if not isinstance(value, kind) or isinstance(value, bool):
        raise TypeError(f"{value!r} is not {kind.__name__}")
    return value


def _day_number(day: date) -> int:
    return day.year * 10000 + day.month * 100 + day.day


def _day(value: Any) -> date:
    number = _typed(value, int)
    return date(number // 10000, number // 100 % 100, number % 100)


def _check_dates(claims: VerifiedToken, today: date) -> None:
    if today < claims.valid_from:
        raise TokenError(Reason.NOT_YET_VALID, f"valid from {claims.valid_from}", claims)
    if today > claims.valid_until:
        raise TokenError(Reason.EXPIRED, f"valid until {claims.valid_until}", claims)
