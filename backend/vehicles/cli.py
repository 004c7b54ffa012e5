"""``flask vehicles demo-gps-refresh``."""

import click

from backend.transactions import CommandGroup

vehicles_cli = CommandGroup("vehicles", help="Vehicles and transport certificates.")


@vehicles_cli.command("demo-gps-refresh")
def demo_gps_refresh_command():
    """Make the demo vehicles' positions current again (they go stale after 10 minutes)."""
    from backend.vehicles.demo import refresh_demo_gps

    count = refresh_demo_gps()
    click.echo(f"demo GPS refreshed: {count} vehicles")
