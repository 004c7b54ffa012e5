"""``flask platforms import FILE`` and ``flask vehicles demo-gps-refresh``."""

import sys

import click
from flask.cli import AppGroup

from backend.audit.operations import record
from backend.db import db
from backend.vehicles.imports import import_platforms
from backend.verification.imports import ImportError_

platforms_cli = AppGroup("platforms", help="The register of licensed platform companies.")
vehicles_cli = AppGroup("vehicles", help="Vehicles and transport certificates.")


@platforms_cli.command("import")
@click.argument("file", type=click.File("r", encoding="utf-8"))
def import_command(file):
    """Load the platform register from JSON Lines (all lines or none)."""
    try:
        inserted, updated = import_platforms(file)
    except ImportError_ as error:
        db.session.rollback()
        click.echo(f"error: {file.name}: {error}; nothing was imported", err=True)
        sys.exit(2)
    record("cli", "platforms.imported", "register", "platforms",
           after={"file": file.name, "inserted": inserted, "updated": updated})
    db.session.commit()
    click.echo(f"platforms: {inserted} inserted, {updated} updated")


@vehicles_cli.command("demo-gps-refresh")
def demo_gps_refresh_command():
    """Make the demo vehicles' positions current again (they go stale after 10 minutes)."""
    from backend.vehicles.demo import refresh_demo_gps

    count = refresh_demo_gps()
    db.session.commit()
    click.echo(f"demo GPS refreshed: {count} vehicles")
