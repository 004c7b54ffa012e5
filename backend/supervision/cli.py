"""``flask supervision …``: the intake's credentials, the writers, the store's upkeep."""

import datetime as dt
import json

import click
from flask import current_app

from backend.audit import operations as audit
from backend.db import db
from backend.errors import ApiError
from backend.platforms.models import Platform
from backend.supervision import auth, events, stream
from backend.transactions import CommandGroup

supervision_cli = CommandGroup("supervision", help="The supervision platform's data feed.")


# -- the event store: writers and upkeep (backend/supervision/events.py, stream.py) ----------

@supervision_cli.command("consume")
@click.option("--batch", default=64, show_default=True, help="Messages fetched at a time.")
@click.option("--idle-exit", type=float, default=None,
              help="Stop after this many seconds without a message (default: run until stopped).")
def consume_command(batch: int, idle_exit: float | None) -> None:
    """Write the JetStream feed to the event store (run several: they share one consumer)."""
    config = current_app.config
    if not config.get("SUPERVISION_STREAM_URL"):
        raise click.UsageError("SUPERVISION_STREAM_URL is not set: the intake writes the store "
                               "itself and there is nothing to consume.")
    done = stream.consume(events.store(), config["SUPERVISION_STREAM_URL"],
                          config["SUPERVISION_STREAM_NAME"], batch=batch, idle_seconds=idle_exit,
                          replicas=config["SUPERVISION_STREAM_REPLICAS"])
    click.echo(json.dumps({"messages": done.messages, "rows": done.rows,
                           "batches": done.batches}))


@supervision_cli.command("compact")
def compact_command() -> None:
    """Merge each day's small event files into one (a past day whole, today its new files)."""
    today = dt.datetime.now(events.BEIJING).date()
    try:
        merged = events.store().compact(today)
    except events.CompactionRunning:
        raise click.ClickException("另一个压缩任务正在运行 / another compaction is running") from None
    for partition, files, rows in merged:
        click.echo(f"{partition.interface} {partition.day}: {files} files -> 1 ({rows} rows)")
    click.echo(f"{len(merged)} partitions compacted")


@supervision_cli.command("prune")
@click.option("--days", type=int, default=None,
              help="Keep this many days (default: SUPERVISION_RETENTION_DAYS, 730).")
def prune_command(days: int | None) -> None:
    """Drop the event partitions older than the retention period."""
    days = days if days is not None else current_app.config["SUPERVISION_RETENTION_DAYS"]
    if days < 1:
        raise click.BadParameter("must be at least 1", param_hint="--days")
    before = dt.datetime.now(events.BEIJING).date() - dt.timedelta(days=days)
    dropped = events.store().prune(before)
    if dropped:
        audit.record("cli", "supervision.events.pruned", "supervision_event_store",
                     before.isoformat(), after={"retention_days": days, "partitions": [
                         f"{partition.interface}/{partition.day}" for partition in dropped]})
    for partition in dropped:
        click.echo(f"{partition.interface} {partition.day}: dropped")
    click.echo(f"{len(dropped)} partitions before {before} dropped")


# -- the intake's credentials (backend/supervision/auth.py) ----------------------------------

@supervision_cli.command("credentials")
@click.argument("platform_code")
def credentials_command(platform_code: str) -> None:
    """Issue (or re-key) a platform's intake secret; print {"company_id", "secret"} once."""
    platform = db.session.get(Platform, platform_code)
    if platform is None:
        raise click.ClickException(f"没有平台 {platform_code} / no platform {platform_code} in the "
                                   "register (flask platforms import FILE)")
    try:
        secret = auth.issue_credentials(platform, actor="cli")
    except ApiError as error:
        raise click.ClickException(f"{error.message} / {error.message_en}") from None
    click.echo(json.dumps({"company_id": platform.company_id, "secret": secret}))
