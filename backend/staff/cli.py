"""``flask staff create``: staff accounts, the first administrator of a new installation too.

The password is typed at a prompt (twice) or read from a file (``--password-file``, for a
deployment's secret store); never on the command line, where the shell history and ``ps``
would keep it, and never a default.
"""

import sys

import click

from backend.staff.models import Role
from backend.staff.operations import StaffError, create_staff
from backend.transactions import CommandGroup

staff_cli = CommandGroup("staff", help="Staff accounts for the console.")


def read_password_file(path: str) -> str:
    """The file's first line, without its line ending (a file written by ``echo`` has one)."""
    with open(path, encoding="utf-8") as file:
        return file.readline().rstrip("\r\n")


@staff_cli.command("create")
@click.argument("username")
@click.option("--role", type=click.Choice([r.value for r in Role]), required=True)
@click.option("--name", "display_name", help="Name shown in the console.")
@click.option("--password-file", type=click.Path(exists=True, dir_okay=False),
              help="Read the password from the first line of this file instead of prompting.")
def create_command(username, role, display_name, password_file):
    """Create a staff account (the password is stored hashed)."""
    password = read_password_file(password_file) if password_file else click.prompt(
        "Password", hide_input=True, confirmation_prompt=True)
    try:
        create_staff(username, Role(role), password, actor="cli", display_name=display_name)
    except StaffError as error:
        click.echo(f"error: {error}", err=True)
        sys.exit(2)
    click.echo(f"created {role} account {username}")
