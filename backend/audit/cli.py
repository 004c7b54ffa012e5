import sys

import click
from flask.cli import AppGroup

from backend.audit.operations import verify_chain

audit_cli = AppGroup("audit", help="The hash-chained audit log.")


@audit_cli.command("verify")
def verify_command():
    """Exit 0 when the chain is intact; exit 1 naming the first bad entry otherwise."""
    checked, problem = verify_chain()
    if problem is None:
        click.echo(f"audit chain intact: {checked} entries")
        return
    click.echo(f"audit chain BROKEN at {problem} ({checked} entries before it are intact)",
               err=True)
    sys.exit(1)
