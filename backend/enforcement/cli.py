"""``flask enforcement …``: the camera worker, the camera simulator, pruning old reads."""

from __future__ import annotations

import datetime as dt
import json
import signal

import click
from flask import current_app
from flask.cli import with_appcontext

from backend.enforcement import mqtt, operations
from backend.transactions import CommandGroup, in_transaction

enforcement_cli = CommandGroup("enforcement", help="Enforcement cameras (智慧眼) and plate checks.")


@click.command("cameras")
@click.option("--batch", default=5000, show_default=True,
              help="At most this many reads classified and stored at a time.")
@click.option("--idle-exit", type=float, default=None,
              help="Stop after this many seconds without a read (default: run until stopped).")
@click.option("--client-id", default=None,
              help="The worker's session (default: ENFORCEMENT_MQTT_CLIENT_ID).")
@click.option("--share", default=None, metavar="GROUP",
              help="Share the reads with the other workers of GROUP (each with its own "
                   "--client-id): an MQTT shared subscription.")
@with_appcontext
def cameras_command(batch: int, idle_exit: float | None, client_id: str | None,
                    share: str | None) -> None:
    """Subscribe to cameras/+/plates (QoS 1, persistent session), classify and store every
    read; suspected illegal operation opens an alert in the console. SIGTERM or Ctrl-C ends it
    after the batch in hand."""
    from backend.enforcement.worker import Worker

    if share is not None and not share.replace("-", "").replace("_", "").isalnum():
        raise click.BadParameter("letters, digits, - and _ only", param_hint="--share")
    worker = Worker(batch=batch, client_id=client_id, share=share)
    for stop_signal in (signal.SIGTERM, signal.SIGINT):
        signal.signal(stop_signal, lambda *_: worker.stop.set())
    click.echo(f"listening on {worker.broker.host}:{worker.broker.port} as {worker.client_id}",
               err=True)
    totals = worker.run(idle_exit=idle_exit)
    click.echo(json.dumps(totals.as_dict()))


# (not ``enforcement_cli.command``: the worker commits each batch itself)
enforcement_cli.add_command(cameras_command)


@click.command("simulate")
@click.option("--reads", default=1000, show_default=True, help="How many reads to publish.")
@click.option("--rate", default=50.0, show_default=True,
              help="Reads a second (0: as fast as the broker takes them).")
@click.option("--cameras", default=8, show_default=True,
              help="Cameras sending (fixed sites first, then patrol cars).")
@click.option("--illegal", "illegal_share", default=0.05, show_default=True,
              help="Share of reads of unlicensed cars found in the platforms' feed.")
@click.option("--seed", default=2026, show_default=True)
@with_appcontext
def simulate_command(reads: int, rate: float, cameras: int, illegal_share: float,
                     seed: int) -> None:
    """Publish a stream of plate reads from several cameras to ENFORCEMENT_MQTT_URL."""
    from backend.enforcement import simulator

    if current_app.config["ENV_MODE"] == "production":
        raise click.ClickException("不在生产环境中模拟 / the simulator does not run in production")
    licensed, sightings = in_transaction(
        lambda: (simulator.licensed_plates(), simulator.unlicensed_sightings()))()
    if illegal_share and not sightings:
        click.echo("no unlicensed plate in the last two days' feed (flask supervision simulate "
                   "makes some): no read will be suspected", err=True)
    stream = simulator.Stream(licensed, sightings, cameras=cameras, illegal_share=illegal_share,
                              seed=seed)
    broker = mqtt.Broker.from_url(current_app.config["ENFORCEMENT_MQTT_URL"])
    acknowledged = simulator.publish(broker, stream, reads, rate or None)
    click.echo(json.dumps({"published": reads, "acknowledged": acknowledged,
                           "licensed_plates": len(licensed),
                           "unlicensed_in_feed": len({s.plate for s in sightings})}))


enforcement_cli.add_command(simulate_command)


@enforcement_cli.command("prune")
@click.option("--days", type=int, default=None,
              help="Keep this many days of reads (default: ENFORCEMENT_RETENTION_DAYS, 180).")
def prune_command(days: int | None) -> None:
    """Drop the reads (and rejected messages) older than the retention period; reads an alert
    holds as evidence are kept."""
    days = days if days is not None else current_app.config["ENFORCEMENT_RETENTION_DAYS"]
    if days < 1:
        raise click.BadParameter("must be at least 1", param_hint="--days")
    before = dt.datetime.now(dt.UTC) - dt.timedelta(days=days)
    click.echo(f"{operations.prune(before)} reads before {before:%Y-%m-%d %H:%M} UTC dropped")
