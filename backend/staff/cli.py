"""``flask staff create|password|disable|enable``: staff accounts, the first administrator of a
new installation too. A new password and a disabled account end the account's console sessions.

The password is typed at a prompt (twice) or read from a file (``--password-file``, for a
deployment's secret store); never on the command line, where the shell history and ``ps``
would keep it, and never a default.
"""

import sys

import click

from backend.staff.models import Role
from backend.staff.operations import (
    StaffError,
    by_username,
    change_password,
    create_staff,
    set_active,
)
from backend.transactions import CommandGroup

staff_cli = CommandGroup("staff", help="Staff accounts for the console.")


def read_password_file(path: str) -> str:
    """The file's first line, without its line ending (a file written by ``echo`` has one)."""
    with open(path, encoding="utf-8") as file:
        return file.readline().rstrip("\r\n")


def _read_password(password_file: str | None) -> str:
    return read_password_file(password_file) if password_file else click.prompt(
        "Password", hide_input=True, confirmation_prompt=True)


def _account(username: str):
    user = by_username(username)
    if user is None:
        click.echo(f"error: no staff account named {username!r}", err=True)
        sys.exit(2)
    return user


password_file_option = click.option(
    "--password-file", type=click.Path(exists=True, dir_okay=False),
    help="Read the password from the first line of this file instead of prompting.")


@staff_cli.command("create")
@click.argument("username")
@click.option("--role", type=click.Choice([r.value for r in Role]), required=True)
@click.option("--name", "display_name", help="Name shown in the console.")
@password_file_option
def create_command(username, role, display_name, password_file):
    """Create a staff account (the password is stored hashed)."""
    password = _read_password(password_file)
    try:
        create_staff(username, Role(role), password, actor="cli", display_name=display_name)
    except StaffError as error:
        click.echo(f"error: {error}", err=True)
        sys.exit(2)
    click.echo(f"created {role} account {username}")


@staff_cli.command("password")
@click.argument("username")
@password_file_option
def password_command(username, password_file):
    """Set a new password; the account's console sessions end."""
    user = _account(username)
    try:
        change_password(user, _read_password(password_file), actor="cli")
    except StaffError as error:
        click.echo(f"error: {error}", err=True)
        sys.exit(2)
    click.echo(f"new password set for {username}; its console sessions have ended")


@staff_cli.command("disable")
@click.argument("username")
def disable_command(username):
    """Disable an account: it cannot sign in, and its console sessions end at once."""
    set_active(_account(username), False, actor="cli")
    click.echo(f"{username} disabled; its console sessions have ended")


@staff_cli.command("enable")
@click.argument("username")
def enable_command(username):
    """Let a disabled account sign in again."""
    set_active(_account(username), True, actor="cli")
    click.echo(f"{username} enabled")
