"""Verify a certificate QR code offline, without the database or the web application.

For inspectors' handhelds::

    python -m backend.certificates.offline 'https://…/v/eyJhbGciOi…' --keys certificate-keys.json

``--keys`` is the JSON published at ``/.well-known/certificate-keys`` (the ``keys.json`` of
the signing key directory works too). The argument may be the scanned QR text or the bare
token. Exit status: 0 genuine and in date (claims printed as JSON on stdout); 1 refused (the
reason code and an explanation on stderr); 2 the command itself was used wrongly, for
example an unreadable key file.

With ``--revocations FILE`` (the signed list published at
``/.well-known/certificate-revocations``, ``revocations.py``) a certificate the list names as
suspended or revoked is refused too (exit 1, reason ``suspended`` or ``revoked`` and the day);
a list that is not genuine or has expired is exit 2: fetch a new one. Without the list,
suspension and revocation are not visible offline; the online verification page shows them.

Both token formats verify: driver tokens signed since the ID number left the QR code (its
first and last character and the register id), and older ones that carry the full number.
Either way a driver's number is printed masked.
"""

from __future__ import annotations

import argparse
import json
import sys
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

from backend.certificates.revocations import RevocationListError, listed, read_list
from backend.certificates.tokens import TokenError, public_keys, verify_token

EXIT_VALID, EXIT_REFUSED, EXIT_USAGE = 0, 1, 2


def main(argv: list[str] | None = None) -> int:
    parser = _parser()
    arguments = parser.parse_args(argv)
    keyset = _read_keyset(parser, arguments.keys)
    revocations = _read_revocations(parser, arguments.revocations, keyset)
    try:
        claims = verify_token(arguments.token, keyset, today=arguments.today)
    except TokenError as error:
        print(f"{error.reason.value}: {error.message_zh} {error.message_en}", file=sys.stderr)
        print(f"({error.detail})", file=sys.stderr)
        return EXIT_REFUSED
    entry = listed(claims, revocations) if revocations else None
    if entry is not None:
        words = {"suspended": ("证件已暂停使用", "The certificate is suspended"),
                 "revoked": ("证件已被吊销", "The certificate has been revoked")}
        zh, en = words.get(entry.get("s"), ("证件已停止效力", "The certificate is not in force"))
        print(f"{entry.get('s')}: {zh}（自 {entry.get('d')} 起）。{en} since {entry.get('d')}.",
              file=sys.stderr)
        return EXIT_REFUSED
    print(json.dumps({"result": "valid", **claims.display()}, ensure_ascii=False, indent=2))
    return EXIT_VALID


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="python -m backend.verify",
        description="核验网约车证件二维码（离线）。Verify a certificate QR code offline.",
    )
    parser.add_argument("token", help="the scanned QR text (verification URL) or the bare token")
    parser.add_argument(
        "--keys", required=True, type=Path, help="the published key set (certificate-keys JSON)"
    )
    parser.add_argument(
        "--today",
        type=date.fromisoformat,
        help="check validity on this day (YYYY-MM-DD) instead of today in China",
    )
    parser.add_argument(
        "--revocations", type=Path,
        help="the signed revocation list (/.well-known/certificate-revocations), to refuse "
             "suspended and revoked certificates")
    return parser


def _read_revocations(parser: argparse.ArgumentParser, path: Path | None,
                      keyset: dict[str, Any]) -> dict[str, Any] | None:
    if path is None:
        return None
    try:
        return read_list(path.read_text(encoding="utf-8"), keyset, now=datetime.now(UTC))
    except OSError as error:
        parser.exit(EXIT_USAGE, f"cannot read the revocation list {path}: {error}\n")
    except RevocationListError as error:
        parser.exit(EXIT_USAGE, f"{path}: {error}\n")


def _read_keyset(parser: argparse.ArgumentParser, path: Path) -> dict[str, Any]:
    try:
        keyset = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError) as error:
        parser.exit(EXIT_USAGE, f"cannot read the key set {path}: {error}\n")
    if not isinstance(keyset, dict) or not isinstance(keyset.get("keys"), list):
        parser.exit(EXIT_USAGE, f'{path} is not a key set: expected {{"keys": [...]}}\n')
    try:
        public_keys(keyset)
    except ValueError as error:
        parser.exit(EXIT_USAGE, f"{path}: {error}\n")
    return keyset


if __name__ == "__main__":
    sys.exit(main())
