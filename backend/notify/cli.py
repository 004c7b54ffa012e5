"""``flask notify send``: the SMS outbox, sent from a timer."""

import sys

import click

from backend.notify import sms
from backend.transactions import CommandGroup

notify_cli = CommandGroup("notify", help="Messages to citizens and the SMS outbox.")


@notify_cli.command("send")
@click.option("--limit", default=200, show_default=True, help="At most this many messages.")
def send_command(limit):
    """Send the SMS waiting in the outbox through the configured sender (SMS_SENDER)."""
    try:
        sent, failed = sms.send_waiting(limit)
    except sms.NoGateway as error:
        click.echo(str(error), err=True)
        sys.exit(2)
    click.echo(f"sent {sent}, failed {failed} (failed ones are retried next time)")
