import sys

import click

from backend.audit.operations import record
from backend.transactions import CommandGroup
from backend.verification.imports import IMPORTERS, ImportRejected, import_file

registry_cli = CommandGroup("registry", help="Mirrors of other departments' registers.")


@registry_cli.command("import")
@click.argument("source")
@click.argument("file", type=click.File("r", encoding="utf-8"))
def import_command(source, file):
    """Load a JSON Lines export into the SOURCE mirror (all lines or none)."""
    if source not in IMPORTERS:
        click.echo(f"error: unknown source {source!r}; one of: {', '.join(sorted(IMPORTERS))}",
                   err=True)
        sys.exit(2)
    try:
        inserted, updated = import_file(source, file)
    except ImportRejected as error:
        click.echo(f"error: {file.name}: {error}; nothing was imported", err=True)
        sys.exit(2)
    record("cli", "registry.imported", "source", source,
           after={"file": file.name, "inserted": inserted, "updated": updated})
    click.echo(f"{source}: {inserted} inserted, {updated} updated")
