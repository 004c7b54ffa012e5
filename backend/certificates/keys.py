"""The bureau's certificate signing keys, kept in a directory outside the database.

Layout of ``SIGNING_KEYS_DIR`` (default ``instance/keys/``)::

    keys/                 mode 0700
      keys.json           mode 0600, {"current": "<kid>", "keys": [<public JWK + "created">, ...]}
      <kid>.pem           Ed25519 private key, PKCS#8 PEM, mode 0600, one per key id
      .lock               mode 0600, serialises rotation between processes

``keys.json`` holds public material only. Old keys stay listed after a rotation, so
certificates signed with them keep verifying; only the current key signs. The key id is the
first six characters of the base32 (lower case) RFC 7638 JWK thumbprint: derived from the key,
short for the QR code, safe as a file name, and kept unique within the set (a new key whose id
is taken is thrown away).

Back up the directory. To withdraw a leaked key, rotate, then delete its entry from
``keys.json`` and its PEM file: every token it signed then reads ``unknown_key``, online and,
once verifiers fetch the new set, offline.
"""

from __future__ import annotations

import base64
import fcntl
import hashlib
import json
import os
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import (
    Ed25519PrivateKey,
    Ed25519PublicKey,
)

from backend.common.private_files import private_directory, write_private_file

KEYSET_FILE = "keys.json"
KID_LENGTH = 6
_JWK_FIELDS = ("kid", "kty", "crv", "x", "alg", "use")


@dataclass(frozen=True)
class Signer:
    """The current signing key and its id."""

    kid: str
    private_key: Ed25519PrivateKey


def b64url(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode("ascii")


def public_jwk(public_key: Ed25519PublicKey) -> dict[str, str]:
    """The public key as an RFC 8037 OKP JWK, with its key id."""
    raw = public_key.public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)
    x = b64url(raw)
    # RFC 7638 thumbprint: the required members, sorted, no whitespace.
    thumbprint = hashlib.sha256(f'{{"crv":"Ed25519","kty":"OKP","x":"{x}"}}'.encode()).digest()
    kid = base64.b32encode(thumbprint).decode("ascii").lower()[:KID_LENGTH]
    return {"kid": kid, "kty": "OKP", "crv": "Ed25519", "x": x, "alg": "EdDSA", "use": "sig"}


def read_keyset(keys_dir: str | os.PathLike[str]) -> dict[str, Any]:
    """The contents of ``keys.json``; an empty set when the directory has none yet."""
    path = Path(keys_dir) / KEYSET_FILE
    if not path.exists():
        return {"current": None, "keys": []}
    return json.loads(path.read_text(encoding="utf-8"))


def public_keyset(keys_dir: str | os.PathLike[str]) -> dict[str, list[dict[str, str]]]:
    """The JWKS to publish at ``/.well-known/certificate-keys``: public keys only, newest first."""
    keys = read_keyset(keys_dir)["keys"]
    return {"keys": [{name: key[name] for name in _JWK_FIELDS} for key in reversed(keys)]}


def rotate(keys_dir: str | os.PathLike[str]) -> str:
    """Create a new signing key, make it current, keep the old public keys; return its id."""
    directory = _ensure_directory(keys_dir)
    with _locked(directory):
        return _add_key(directory)


def current_signer(keys_dir: str | os.PathLike[str]) -> Signer:
    """The key that signs new certificates; the first key is created on first use."""
    directory = Path(keys_dir)
    kid = read_keyset(directory)["current"]
    if kid is None:
        directory = _ensure_directory(directory)
        with _locked(directory):
            # Another process may have created the first key while we waited for the lock.
            kid = read_keyset(directory)["current"] or _add_key(directory)
    return Signer(kid=kid, private_key=_load_private_key(directory / f"{kid}.pem"))


def _add_key(directory: Path) -> str:
    keyset = read_keyset(directory)
    taken = {key["kid"] for key in keyset["keys"]}
    private_key, jwk = _new_key()
    while jwk["kid"] in taken:
        private_key, jwk = _new_key()
    _write_private_key(directory / f"{jwk['kid']}.pem", private_key)
    created = datetime.now(UTC).isoformat(timespec="seconds")
    keyset["keys"].append({**jwk, "created": created})
    keyset["current"] = jwk["kid"]
    _write_json_atomically(directory / KEYSET_FILE, keyset)
    return jwk["kid"]


def _new_key() -> tuple[Ed25519PrivateKey, dict[str, str]]:
    private_key = Ed25519PrivateKey.generate()
    return private_key, public_jwk(private_key.public_key())


def _write_private_key(path: Path, private_key: Ed25519PrivateKey) -> None:
    pem = private_key.private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption(),
    )
    # O_EXCL: never overwrite an existing key; 0600 from creation, not chmod afterwards.
    descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(descriptor, "wb") as handle:
        handle.write(pem)


def _load_private_key(path: Path) -> Ed25519PrivateKey:
    key = serialization.load_pem_private_key(path.read_bytes(), password=None)
    if not isinstance(key, Ed25519PrivateKey):
        raise ValueError(f"{path} is not an Ed25519 private key")
    return key


def _write_json_atomically(path: Path, content: dict[str, Any]) -> None:
    temporary = path.with_suffix(".tmp")
    write_private_file(temporary, (json.dumps(content, indent=2, ensure_ascii=False) + "\n")
                       .encode("utf-8"))
    os.replace(temporary, path)


def _ensure_directory(keys_dir: str | os.PathLike[str]) -> Path:
    return private_directory(keys_dir)


@contextmanager
def _locked(directory: Path) -> Iterator[None]:
    with os.fdopen(os.open(directory / ".lock", os.O_RDWR | os.O_CREAT | os.O_CLOEXEC, 0o600),
                   "r+b") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(lock, fcntl.LOCK_UN)
