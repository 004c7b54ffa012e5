"""``flask alerts import FILE``: alerts from a department that sends files, through the same
path as the hook (``operations.receive``).

One alert per line (JSON Lines, UTF-8): ``reference``, ``id_number``, ``category``,
``recorded_on`` (``YYYY-MM-DD``) and ``detail``. The file is one transaction: the first bad
line rejects it, naming the line and the field, and nothing is stored. A reference already
received from the same source is the same alert (counted as repeated).
"""

import json
import sys
from collections import Counter

import click
import marshmallow as ma

from backend.alerts import operations
from backend.alerts.schemas import AlertSchema
from backend.errors import ApiError
from backend.transactions import CommandGroup
from backend.verification.imports import flatten_errors

alerts_cli = CommandGroup("alerts", help="Police alerts (预警信息).")


@alerts_cli.command("import")
@click.argument("file", type=click.File("r", encoding="utf-8"))
@click.option("--source", default="police", show_default=True,
              help="Who sent the file; a reference is unique per source.")
def import_command(file, source):
    """Receive every alert of a JSON Lines FILE (all lines or none)."""
    schema, outcomes = AlertSchema(), Counter()
    for number, line in enumerate(file, start=1):
        if not line.strip():
            continue
        try:
            raw = json.loads(line)
            if not isinstance(raw, dict):
                raise ValueError("a line must be a JSON object")
            alert = schema.load(raw)
            known = operations.stored(source, alert["reference"]) is not None
            stored = operations.receive(source=source, actor=f"file:{source}", **alert)
        except ValueError as error:
            _reject(file, number, None, f"not a JSON object ({error})")
        except ma.ValidationError as error:
            field, message = next(iter(flatten_errors(error.messages)))
            _reject(file, number, field, message)
        except ApiError as error:
            _reject(file, number, None, error.message_en)
        outcomes["repeated" if known else stored.outcome.value] += 1
    click.echo(f"{file.name}: " + ", ".join(f"{outcomes[k]} {k}" for k in (
        "suspended", "already_suspended", "no_certificate", "repeated")))


def _reject(file, number: int, field: str | None, message: str):
    where = f"line {number}" + (f", field {field!r}" if field else "")
    click.echo(f"error: {file.name}: {where}: {message}; nothing was imported", err=True)
    sys.exit(2)
