"""``flask supervision …``: the intake's credentials, the writers, the store's upkeep."""

import datetime as dt
import json

import click
from flask import current_app
from flask.cli import with_appcontext

from backend.audit import operations as audit
from backend.db import db
from backend.errors import ApiError
from backend.platforms.models import Platform
from backend.supervision import auth, events, stream
from backend.transactions import CommandGroup, in_transaction

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
                          replicas=config["SUPERVISION_STREAM_REPLICAS"],
                          ack_wait=config["SUPERVISION_STREAM_ACK_WAIT"])
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
    from backend.supervision import compliance

    compliance.prune_facts(events.store(), before)
    if dropped:
        audit.record("cli", "supervision.events.pruned", "supervision_event_store",
                     before.isoformat(), after={"retention_days": days, "partitions": [
                         f"{partition.interface}/{partition.day}" for partition in dropped]})
    for partition in dropped:
        click.echo(f"{partition.interface} {partition.day}: dropped")
    click.echo(f"{len(dropped)} partitions before {before} dropped")


# -- the monthly bulletin (backend/supervision/bulletin.py) -----------------------------------

@supervision_cli.command("bulletin")
@click.option("--month", required=True, help="The month (YYYY-MM).")
@click.option("--out", "out", required=True, type=click.Path(dir_okay=False, writable=True),
              help="The PDF file to write.")
def bulletin_command(month: str, out: str) -> None:
    """Write the month's dual-compliance bulletin (ranking, the city's trend, data quality)."""
    from backend.supervision import bulletin, compliance

    first = compliance.parse_month(month)
    if first is None:
        raise click.BadParameter("月份格式为 YYYY-MM / the month is written YYYY-MM",
                                 param_hint="--month")
    if first > dt.datetime.now(events.BEIJING).date():
        raise click.BadParameter("这个月份还没有到 / that month has not begun", param_hint="--month")
    document = bulletin.pdf(first)
    with open(out, "wb") as file:
        file.write(document)
    click.echo(f"{out}: {len(document)} bytes")


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


# -- the platform simulator (backend/supervision/simulator.py) --------------------------------

@click.command("simulate")
@click.option("--date", "day", required=True, type=click.DateTime(["%Y-%m-%d"]),
              help="The day to simulate (YYYY-MM-DD, Beijing time).")
@click.option("--platforms", default=2, show_default=True, help="How many demo platforms.")
@click.option("--vehicles", default=30, show_default=True, help="Vehicles per platform.")
@click.option("--unlicensed", default=0.1, show_default=True,
              help="Share of vehicles (and of drivers) without a certificate.")
@click.option("--defects", default=0.02, show_default=True,
              help="Share of records with each data defect (README: The platform simulator).")
@click.option("--seed", default=2026, show_default=True)
@click.option("--upload-every", default=60, show_default=True,
              help="Seconds between a platform's uploads (each upload is one request).")
@click.option("--url", help="Send to a running server (default: in-process, no server).")
@click.option("--credentials", type=click.File(),
              help="With --url: the JSON lines `flask supervision credentials` printed.")
@with_appcontext
def simulate_command(day, platforms, vehicles, unlicensed, defects, seed, upload_every, url,
                     credentials):
    """Simulate a day of the demo platforms and send it through the intake."""
    from backend.supervision import simulator

    if not url and current_app.config["ENV_MODE"] == "production":
        raise click.ClickException("不在生产环境中模拟 / the simulator does not run in production")
    if url and credentials is None:
        raise click.UsageError("--url needs --credentials FILE", ctx=click.get_current_context())
    settings = simulator.Settings(day=day.date(), vehicles=vehicles, unlicensed_share=unlicensed,
                                  defect_share=defects, seed=seed, upload_every=upload_every)
    lines = [json.loads(line) for line in credentials if line.strip()] if credentials else None
    try:
        chosen, secrets, post = in_transaction(simulator.prepare)(settings, platforms, url, lines)
    except LookupError as error:
        raise click.ClickException(str(error)) from None
    result = simulator.simulate_and_send(chosen, settings, secrets, post)
    click.echo(json.dumps(result, ensure_ascii=False))


# (not ``supervision_cli.command``: the simulator commits its preparation before it sends, and
# every batch is then a request with its own transaction)
supervision_cli.add_command(simulate_command)
