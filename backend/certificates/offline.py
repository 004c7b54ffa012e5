"""Verify a certificate QR code offline, without the database or the web application.

For inspectors' handhelds::

    python -m backend.certificates.offline 'https://…/v/eyJhbGciOi…' --keys certificate-keys.json

``--keys`` is the JSON published at ``/.well-known/certificate-keys`` (the ``keys.json`` of
the signing key directory works too). The argument may be the scanned QR text or the bare
token. Exit status: 0 genuine and in date (claims printed as JSON on stdout); 1 refused (the
reason code and an explanation on stderr); 2 the command itself was used wrongly, for
example an unreadable key file. Revocation is not visible offline: the online verification
page shows a certificate's current status.

Both token formats verify: driver tokens signed since the ID number left the QR code (its
first and last character and the register id), and older ones that carry the full number.
Either way a driver's number is printed masked.
"""

from __future__ import annotations

import argparse
import json
import sys
from datetime import date
from pathlib import Path
from typing import Any

from backend.certificates.tokens import TokenError, public_keys, verify_token

EXIT_VALID, EXIT_REFUSED, EXIT_USAGE = 0, 1, 2


def main(argv: list[str] | None = None) -> int:
    parser = _parser()
    arguments = parser.parse_args(argv)
    keyset = _read_keyset(parser, arguments.keys)
    try:
        claims = verify_token(arguments.token, keyset, today=arguments.today)
    except TokenError as error:
        print(f"{error.reason.value}: {error.message_zh} {error.message_en}", file=sys.stderr)
        print(f"({error.detail})", file=sys.stderr)
        return EXIT_REFUSED
    print(json.dumps({"result": "valid", **claims.display()}, ensure_ascii=False, indent=2))
    return EXIT_VALID


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="python -m backend.certificates.offline",
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
    return parser


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
