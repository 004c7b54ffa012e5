"""``flask platforms import FILE``: the register of licensed platform companies."""

import sys

import click

from backend.audit.operations import record
from backend.platforms.imports import import_platforms
from backend.transactions import CommandGroup
from backend.verification.imports import ImportRejected

platforms_cli = CommandGroup("platforms", help="The register of licensed platform companies.")


@platforms_cli.command("import")
@click.argument("file", type=click.File("r", encoding="utf-8"))
def import_command(file):
    """Load the platform register from JSON Lines (all lines or none)."""
    try:
        inserted, updated = import_platforms(file)
    except ImportRejected as error:
        click.echo(f"error: {file.name}: {error}; nothing was imported", err=True)
        sys.exit(2)
    record("cli", "platforms.imported", "register", "platforms",
           after={"file": file.name, "inserted": inserted, "updated": updated})
    click.echo(f"platforms: {inserted} inserted, {updated} updated")
