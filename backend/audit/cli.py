import datetime as dt
import json
import sys
from pathlib import Path

import click
from flask.cli import AppGroup

from backend.audit import checkpoints
from backend.audit.operations import LogReport, verify_log

audit_cli = AppGroup("audit", help="The hash-chained audit and source query logs.")
LOG_CHOICE = click.Choice([*checkpoints.LOGS, "all"])
NAMES = {"audit": "audit chain", "queries": "query log chain"}


def _logs(choice: str) -> list[str]:
    return list(checkpoints.LOGS) if choice == "all" else [choice]


@audit_cli.command("verify")
@click.option("--log", "log_choice", type=LOG_CHOICE, default="audit", show_default=True,
              help="which log: the audit log, the source query log, or both")
@click.option("--witness", type=click.Path(exists=True, dir_okay=False, path_type=Path),
              help="check against a witness's copy (`audit checkpoint --export`) and its keys")
def verify_command(log_choice: str, witness: Path | None):
    """Exit 0 when the chain and its signed checkpoints agree; exit 1 naming the first bad
    entry (and any checkpoint line that is not genuine) otherwise."""
    try:
        reports = [verify_log(log, witness) for log in _logs(log_choice)]
    except (ValueError, KeyError) as error:
        raise click.ClickException(f"cannot read the witness's copy: {error}") from None
    for report in reports:
        _echo(report)
    for problem in dict.fromkeys(p for report in reports for p in report.file_problems):
        click.echo(str(problem), err=True)
    if not all(report.intact for report in reports):
        sys.exit(1)


def _echo(report: LogReport) -> None:
    name = NAMES[report.log]
    if report.problem is not None:
        click.echo(f"{name} BROKEN at {report.problem} ({report.checked} entries before it are "
                   "intact)", err=True)
        return
    click.echo(f"{name} intact: {report.checked} entries")
    if report.checkpoints:
        newest = max(report.checkpoints, key=lambda checkpoint: checkpoint.last)
        click.echo(f"  signed checkpoints agree ({len(report.checkpoints)}); the newest, "
                   f"{newest.describe()}, vouches for entries 1–{newest.last}")
    else:
        click.echo("  no signed checkpoint yet: newest entries deleted with the counter lowered "
                   "would not show (run `flask audit checkpoint`)")


@audit_cli.command("checkpoint")
@click.option("--log", "log_choice", type=LOG_CHOICE, default="all", show_default=True)
@click.option("--export", is_flag=True,
              help="write nothing; print what a witness keeps (public keys and every line)")
def checkpoint_command(log_choice: str, export: bool):
    """Append a signed checkpoint of each log's head to AUDIT_CHECKPOINTS_FILE (run it from a
    timer, e.g. every 5 minutes, and after anything that matters)."""
    if export:
        click.echo(json.dumps(checkpoints.export(), ensure_ascii=False, indent=1))
        return
    written, refused = checkpoints.write_checkpoints(_logs(log_choice), dt.datetime.now(dt.UTC))
    for line in written:
        click.echo(f"{line['log']}: checkpoint of entries {line['first']}–{line['last']} "
                   f"(head {line['head'][:12]}…) → {checkpoints.checkpoint_path()}")
    for refusal in refused:
        click.echo(f"no checkpoint written: {refusal}", err=True)
    if refused:
        sys.exit(1)
    if not written:
        click.echo("nothing new since the last checkpoints")
