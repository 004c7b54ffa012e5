"""``flask notices``: deliver the outbox to the platforms' callbacks, set a platform's callback,
list what waits.

``deliver`` commits after every claim and every outcome (not once at its end, as other
commands do): a notice the platform acknowledged must stay acknowledged if the worker is
stopped a moment later, or it would be sent twice.
"""

from __future__ import annotations

import sys
import time

import click

from backend.common.masking import mask_personal_data
from backend.db import db
from backend.errors import ApiError
from backend.notices import delivery, operations
from backend.transactions import CommandGroup

notices_cli = CommandGroup("notices", help="平台通知 Notices to platforms.")


@notices_cli.command("deliver")
@click.option("--loop", is_flag=True, help="Keep running: a round every --interval seconds.")
@click.option("--interval", default=5.0, show_default=True, help="Seconds between rounds.")
@click.option("--limit", default=500, show_default=True, help="Notices per round at most.")
def deliver_command(loop: bool, interval: float, limit: int):
    """Push the notices that are due to the platforms' callbacks (retried with backoff)."""
    while True:
        result = delivery.deliver_round(limit, commit=db.session.commit)
        waiting = operations.undelivered_count()
        db.session.commit()
        if result.delivered or result.failed or not loop:
            click.echo(f"delivered {result.delivered}, failed {result.failed}, "
                       f"waiting {waiting}")
        if not loop:
            return
        time.sleep(interval)


@notices_cli.command("callback")
@click.argument("platform_code")
@click.argument("url", required=False)
@click.option("--clear", is_flag=True, help="Remove the callback: the platform reads the feed.")
def callback_command(platform_code: str, url: str | None, clear: bool):
    """Set the HTTPS address platform PLATFORM_CODE takes notices at."""
    if bool(url) == clear:
        click.echo("error: give a URL, or --clear", err=True)
        sys.exit(2)
    try:
        operations.set_callback(platform_code, None if clear else url, actor="cli")
    except ApiError as error:
        click.echo(f"error: {error.message_en}", err=True)
        sys.exit(2)
    click.echo(f"platform {platform_code}: notices to {url or '(the feed only)'}")


@notices_cli.command("pending")
def pending_command():
    """The notices no platform has acknowledged yet."""
    for notice, platform in operations.undelivered():
        click.echo(f"{notice.id}\t{platform.code}\t{notice.event}\t"
                   f"{mask_personal_data(notice.subject)}\tattempts {notice.attempts}\t"
                   f"{notice.last_error or ('no callback: feed' if not platform.notice_url else '')}")


@notices_cli.command("verify")
def verify_command():
    """Check the outbox's hash chain: no notice altered or removed since it was written."""
    checked, problem = operations.verify()
    if problem is not None:
        click.echo(str(problem), err=True)
        sys.exit(1)
    click.echo(f"{checked} notices, chain intact")
