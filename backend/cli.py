"""``flask setup``: bring the database to the newest schema and load demo data when empty
(never in production: there the first administrator is created with ``flask staff create``)."""

import click
import flask_migrate
import sqlalchemy as sa
from flask import current_app
from flask.cli import with_appcontext

from backend.db import db
from backend.staff.models import StaffUser
from backend.transactions import in_transaction

FIRST_ADMIN = ("no staff account yet: create the first administrator with\n"
               "  flask --app backend staff create USERNAME --role admin [--password-file FILE]")


@click.command("setup")
@with_appcontext
def setup_command():
    """Create or migrate the database; load the demo data into an empty one."""
    if in_transaction(_setup)():
        # After the commit: the simulated day goes through the intake, a request at a time.
        from backend.supervision.demo import load_supervision_demo

        sent = load_supervision_demo()
        click.echo(f"supervision demo: {sent['day']} simulated for {', '.join(sent['platforms'])} "
                   f"({sum(sent['accepted'].values())} records accepted)")


def _setup() -> bool:
    """The migrations and the demo data; True when the demo data was loaded just now."""
    loaded = False
    flask_migrate.upgrade(directory=current_app.extensions["migrate"].directory, revision="head")
    if current_app.config["LOAD_DEMO_DATA"]:
        from backend.demo import load_demo_data
        from backend.vehicles.demo import refresh_demo_gps

        if load_demo_data():
            loaded = True
            click.echo("demo data loaded (see README: Demo data)")
        # The demo cars' last GPS positions are "now" at every start, so their live-GPS check
        # passes for the next 10 minutes (see README: Demo vehicles).
        refresh_demo_gps()
    click.echo(f"database ready: {db.engine.url.render_as_string(hide_password=True)}")
    if not db.session.scalar(sa.select(sa.func.count()).select_from(StaffUser)):
        click.echo(FIRST_ADMIN)
    return loaded
