"""The signed revocation list: which certificates are suspended or revoked, for offline
verifiers (``GET /.well-known/certificate-revocations``; ``--revocations`` of the offline
verifier).

A compact JWS signed like a certificate token (EdDSA, with a certificate key's ``kid``; header
``typ`` ``wyc-revocations``) whose payload is::

    {"iat": 1796000000, "exp": 1796003600,
     "entries": [{"k": "d", "c": 1234, "v": 1, "s": "suspended", "d": "2026-12-06"},
                 {"k": "t", "n": "闽交运管许可厦字350200000001号", "v": 2, "s": "revoked",
                  "d": "2026-12-01"}]}

An entry names a driver certificate by its register id ``c`` (never the ID number, as in the
QR code) and any other by its number ``n``; ``v`` the version, ``s`` the status and ``d`` the
day (China time) it entered it. Only certificates still within their validity dates are listed
(an expired one is refused offline by its dates already). The list is short-lived: after
``exp`` a verifier must fetch a new one, and refuses to use the old one.

Without Flask or the database: the offline verifier imports this.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from datetime import datetime
from typing import Any

from backend.certificates.keys import Signer
from backend.certificates.kinds import get_kind
from backend.certificates.tokens import (
    _JWS,
    ALGORITHM,
    TokenError,
    VerifiedToken,
    _checked_kid,
    _verified_payload,
    public_keys,
)

TYPE = "wyc-revocations"
LISTED = ("suspended", "revoked")


class RevocationListError(ValueError):
    """A list that is not genuine, not ours, or out of date: it cannot be relied on."""


def sign_list(signer: Signer, entries: list[dict[str, Any]], *, issued_at: int, ttl: int) -> str:
    payload = json.dumps({"iat": issued_at, "exp": issued_at + ttl, "entries": entries},
                         ensure_ascii=False, separators=(",", ":")).encode("utf-8")
    return _JWS.encode(payload, signer.private_key, algorithm=ALGORITHM,
                       headers={"kid": signer.kid, "typ": TYPE})


def read_list(text: str, keyset: Mapping[str, Any], *, now: datetime) -> dict[str, Any]:
    """The payload of a genuine list that is in date at ``now``; RevocationListError else."""
    token = text.strip()
    try:
        kid = _checked_kid(token)
        key = public_keys(keyset).get(kid)
        if key is None:
            raise RevocationListError(f"the list's key {kid!r} is not in the key set")
        payload = json.loads(_verified_payload(token, key))
    except TokenError as error:
        raise RevocationListError(f"the list is not genuine ({error.reason.value})") from None
    except ValueError:
        raise RevocationListError("the list's payload is not JSON") from None
    if not isinstance(payload, dict) or not isinstance(payload.get("entries"), list) \
            or not isinstance(payload.get("exp"), int):
        raise RevocationListError("the list has no entries or no expiry")
    if now.timestamp() > payload["exp"]:
        expired = datetime.fromtimestamp(payload["exp"], now.tzinfo).isoformat()
        raise RevocationListError(f"the list expired at {expired}: fetch a new one")
    return payload


def listed(claims: VerifiedToken, payload: dict[str, Any]) -> dict[str, Any] | None:
    """The list's entry for the certificate a token names, or None."""
    code = get_kind(claims.kind).token_code
    for entry in payload["entries"]:
        if not isinstance(entry, dict) or entry.get("k") != code or entry.get("v") != claims.version:
            continue
        if claims.register_id is not None and entry.get("c") == claims.register_id:
            return entry
        if claims.register_id is None and "n" in entry and entry.get("n") == claims.number:
            return entry
    return None
