"""Command line: ``python -m card_reader decode FILE`` and ``read``.

Both print one JSON object (one line) on stdout. On failure they print one
line on stderr naming the problem and nothing on stdout. Exit status:

* 0: a valid record was printed;
* 2: the data is bad (frame, checksum, SAM status, card type, text, date,
  ID number) or the command line is wrong;
* 1: the card, the reader or pcscd failed (no reader, no card, card removed
  during the read, timeout, pcscd not running).
"""

from __future__ import annotations

import argparse
import datetime
import json
import sys
from collections.abc import Sequence
from pathlib import Path

from card_reader.errors import CardReaderError, DecodeError
from card_reader.payload import decode_payload
from card_reader.record import IdentityRecord

EXIT_OK = 0
EXIT_TRANSPORT = 1
EXIT_BAD_DATA = 2
PROG = "card_reader"


def _parser() -> argparse.ArgumentParser:
    common = argparse.ArgumentParser(add_help=False)
    common.add_argument("--pretty", action="store_true", help="indent the JSON output")
    common.add_argument(
        "--today",
        type=datetime.date.fromisoformat,
        help="date 'expired' is computed against (YYYY-MM-DD)",
    )
    parser = argparse.ArgumentParser(
        prog=f"python -m {PROG}", description="Read and decode Chinese ID cards."
    )
    commands = parser.add_subparsers(dest="command", required=True)
    decode = commands.add_parser(
        "decode", parents=[common], help="decode a saved SAM response frame or 256-byte text block"
    )
    decode.add_argument("file", type=Path)
    decode.set_defaults(run=_decode)
    read = commands.add_parser("read", parents=[common], help="read the card in a PC/SC reader")
    read.add_argument(
        "--reader", help="reader name, or a unique part of it (default: the first reader)"
    )
    read.add_argument(
        "--wait", type=float, default=5.0, help="seconds to wait for a card (default 5, 0: no wait)"
    )
    read.add_argument(
        "--deadline",
        type=float,
        default=5.0,
        help="seconds allowed for the read itself (default 5)",
    )
    read.set_defaults(run=_read)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Run the command line; return the exit status."""
    args = _parser().parse_args(argv)
    try:
        record = args.run(args)
    except DecodeError as exc:
        return _fail(exc, EXIT_BAD_DATA)
    except CardReaderError as exc:
        return _fail(exc, EXIT_TRANSPORT)
    except OSError as exc:
        return _fail(f"cannot read {exc.filename}: {exc.strerror}", EXIT_BAD_DATA)
    _print_json(record.to_json_dict(args.today), pretty=args.pretty)
    return EXIT_OK


def _decode(args: argparse.Namespace) -> IdentityRecord:
    return decode_payload(args.file.read_bytes())


def _read(args: argparse.Namespace) -> IdentityRecord:
    from card_reader import pcsc  # imports pyscard, which `decode` does not need

    return pcsc.read_card(args.reader, wait=args.wait, deadline=args.deadline)


def _fail(problem: object, status: int) -> int:
    kind = type(problem).__name__ if isinstance(problem, Exception) else "error"
    message = " ".join(str(problem).split())  # exactly one line
    print(f"{PROG}: {kind}: {message}", file=sys.stderr)
    return status


def _print_json(document: dict, *, pretty: bool) -> None:
    text = json.dumps(document, ensure_ascii=False, indent=2 if pretty else None)
    # Encode explicitly: names are Chinese whatever the locale says.
    sys.stdout.buffer.write(text.encode("utf-8") + b"\n")
    sys.stdout.flush()
