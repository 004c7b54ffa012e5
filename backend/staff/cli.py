import sys

import click

from backend.staff.models import Role
from backend.staff.operations import StaffError, create_staff
from backend.transactions import CommandGroup

staff_cli = CommandGroup("staff", help="Staff accounts for the console.")


@staff_cli.command("create")
@click.argument("username")
@click.option("--role", type=click.Choice([r.value for r in Role]), required=True)
@click.option("--name", "display_name", help="Name shown in the console.")
@click.password_option(prompt="Password", help="Prompted when not given.")
def create_command(username, role, display_name, password):
    """Create a staff account (the password is stored hashed)."""
    try:
        create_staff(username, Role(role), password, actor="cli", display_name=display_name)
    except StaffError as error:
        click.echo(f"error: {error}", err=True)
        sys.exit(2)
    click.echo(f"created {role} account {username}")
