"""``flask mailing``: the mailing room from the terminal (the console offers the same).

    flask --app backend mailing print-batch --out batch.pdf          # all queued items
    flask --app backend mailing print-batch --batch MB-20261130-001 --out again.pdf
    flask --app backend mailing dispatch 17 --tracking SF1234567890
    flask --app backend mailing deliver 17        |  return 17
    flask --app backend mailing requeue 17 --reason moved --detail ...
    flask --app backend mailing withdraw 18       # a held item: its certificate replaced or cancelled
    flask --app backend mailing import-status carrier.csv
"""

from __future__ import annotations

import contextlib
import datetime as dt
import getpass
import os
from collections.abc import Iterator
from pathlib import Path

import click
import marshmallow as ma

from backend.errors import ApiError
from backend.mailing import operations
from backend.mailing.models import MailingBatch
from backend.transactions import CommandGroup

mailing_cli = CommandGroup("mailing", help="邮寄 The mailing room: print, dispatch, deliver, return.")


def _actor() -> str:
    return f"cli:{getpass.getuser()}"


@contextlib.contextmanager
def _explained() -> Iterator[None]:
    """A refusal said as the command's error (the command's transaction is rolled back)."""
    try:
        yield
    except ApiError as error:
        raise click.ClickException(
            f"{error.message} {error.message_en} Nothing was changed.") from None


@mailing_cli.command("status")
def status() -> None:
    """Items by state (queued: what the next print run takes), items held back, and the
    latest batches, in Xiamen time."""
    counts = operations.counts_by_status()
    click.echo("  ".join(f"{s.value} {counts[s]}" for s in counts)
               + f"  held {operations.held_count()}")
    _warn_held()
    for batch in operations.recent_batches(10):
        created = batch.created_at.astimezone(operations.XIAMEN)
        click.echo(f"{batch.id}  {batch.item_count:>5} items  {created:%Y-%m-%d %H:%M} Xiamen"
                   f"  {batch.created_by}")


@mailing_cli.command("print-batch")
@click.option("--out", required=True, type=click.Path(dir_okay=False, path_type=Path),
              help="the PDF to write")
@click.option("--batch", "batch_id", help="reprint this batch's items (changes nothing)")
def print_batch(out: Path, batch_id: str | None) -> None:
    """Print every queued item into a new batch (marked printed), or reprint one batch.

    The PDF holds, per item, its address sheet and then its certificate.
    """
    partial = out.with_name(out.name + ".partial")
    try:
        with _explained():
            batch = operations.get_batch(batch_id) if batch_id else operations.start_batch(
                actor=_actor())
            if batch is None:
                click.echo("nothing to print: no queued item")
                _warn_held()
                return
            pages = _write(batch, partial)
        os.replace(partial, out)
    finally:
        partial.unlink(missing_ok=True)
    verb = "reprinted" if batch_id else "printed"
    click.echo(f"batch {batch.id}: {batch.item_count} items {verb}, {pages} pages in {out}")
    if not batch_id:
        _warn_held()


def _write(batch: MailingBatch, path: Path) -> int:
    with path.open("wb") as handle, click.progressbar(
            length=2 * batch.item_count, label=f"{batch.id}", show_pos=True) as bar:
        return operations.write_batch_pdf(batch, handle, actor=_actor(),
                                          progress=lambda done: bar.update(done - bar.pos))


def _warn_held() -> None:
    _, held = operations.queued_items()
    if held:
        click.echo(f"held back: {len(held)} queued items whose certificate is no longer in force "
                   "(cancelled or replaced before posting); `flask mailing withdraw ID` takes "
                   "one out of the post:", err=True)
        for item in held[:20]:
            click.echo(f"  {item.id}  {item.application.number}  {operations.held_reason(item)[1]}",
                       err=True)
        if len(held) > 20:
            click.echo(f"  … and {len(held) - 20} more", err=True)


AT = click.option("--at", type=click.DateTime(["%Y-%m-%dT%H:%M:%S", "%Y-%m-%d %H:%M",
                                               "%Y-%m-%d"]),
                  help="when it happened, Xiamen time (default: now)")


def _xiamen(moment: dt.datetime | None) -> dt.datetime | None:
    return moment.replace(tzinfo=operations.XIAMEN) if moment else None


@mailing_cli.command("dispatch")
@click.argument("item_id", type=int)
@click.option("--tracking", required=True, help="the carrier's tracking number")
@AT
def dispatch(item_id: int, tracking: str, at: dt.datetime | None) -> None:
    """Record that a printed item went to the carrier."""
    with _explained():
        operations.dispatch(operations.get_item(item_id), tracking, actor=_actor(),
                            at=_xiamen(at))
    click.echo(f"item {item_id} dispatched, tracking number {tracking.strip()}")


@mailing_cli.command("deliver")
@click.argument("item_id", type=int)
@AT
def deliver(item_id: int, at: dt.datetime | None) -> None:
    """Record that a dispatched item was delivered."""
    with _explained():
        operations.deliver(operations.get_item(item_id), actor=_actor(), at=_xiamen(at))
    click.echo(f"item {item_id} delivered")


@mailing_cli.command("return")
@click.argument("item_id", type=int)
@AT
def return_(item_id: int, at: dt.datetime | None) -> None:
    """Record that a dispatched item came back undelivered."""
    with _explained():
        operations.mark_returned(operations.get_item(item_id), actor=_actor(), at=_xiamen(at))
    click.echo(f"item {item_id} returned; `flask mailing requeue {item_id}` sends it again")


@mailing_cli.command("requeue")
@click.argument("item_id", type=int)
@click.option("--reason", "return_reason", required=True,
              type=click.Choice(list(operations.RETURN_REASONS)), help="why it came back")
@click.option("--recipient")
@click.option("--phone")
@click.option("--region-code", help="6-digit administrative region code, e.g. 350203")
@click.option("--detail", help="street, number, building and room")
def requeue(item_id: int, return_reason: str, **fields: str | None) -> None:
    """Queue a returned item again, with why it came back and the corrected parts of its
    address."""
    from backend.licensing.schemas import MailingAddressSchema

    with _explained():
        item = operations.get_item(item_id)
        corrected = {**item.address, **{k: v for k, v in fields.items() if v is not None}}
        try:
            address = MailingAddressSchema().load(corrected)  # (phone and region normalised)
        except ma.ValidationError as error:
            raise click.ClickException(f"the address is not valid: {error.messages}") from None
        operations.requeue(item, actor=_actor(), address=address, return_reason=return_reason)
    click.echo(f"item {item_id} queued again for the next print run")


@mailing_cli.command("withdraw")
@click.argument("item_id", type=int)
def withdraw(item_id: int) -> None:
    """Take a held item (its certificate replaced or cancelled before posting) out of the post."""
    with _explained():
        operations.withdraw(operations.get_item(item_id), actor=_actor())
    click.echo(f"item {item_id} withdrawn: it will not be posted")


@mailing_cli.command("import-status")
@click.argument("file", type=click.File("r", encoding="utf-8-sig"))
def import_status(file) -> None:
    """Record a carrier's status file (CSV ``item_id,tracking_number,status,at``), all rows
    or none."""
    with _explained():
        try:
            rows = operations.read_status_file(file.read())
            counts = operations.import_status(rows, actor=f"carrier-file:{Path(file.name).name}")
        except operations.StatusFileError as error:
            raise click.ClickException(f"{file.name}: line {error.line}: {error.message} "
                                       f"{error.message_en} Nothing was imported.") from None
    summary = ", ".join(f"{n} {what}" for what, n in sorted(counts.items())) or "no rows"
    click.echo(f"{file.name}: {summary}")
