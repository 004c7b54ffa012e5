"""``flask setup``: bring the database to the newest schema and load demo data when empty."""

import click
import flask_migrate
from flask import current_app
from flask.cli import with_appcontext

from backend.db import db


@click.command("setup")
@with_appcontext
def setup_command():
    """Create or migrate the database; load the demo data into an empty one."""
    flask_migrate.upgrade(directory=current_app.extensions["migrate"].directory, revision="heads")
    if current_app.config["LOAD_DEMO_DATA"]:
        from backend.demo import load_demo_data

        if load_demo_data():
            db.session.commit()
            click.echo("demo data loaded (see README: Demo data)")
    click.echo(f"database ready: {db.engine.url.render_as_string(hide_password=True)}")
