"""``flask platforms import FILE`` loads the register of licensed platform companies;
``flask platforms company-id CODE COMPANYID`` records the ministry's CompanyId of one."""

import sys

import click

from backend.audit.operations import record
from backend.errors import ApiError
from backend.platforms.imports import import_platforms
from backend.platforms.register import set_company_id
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


@platforms_cli.command("company-id")
@click.argument("code")
@click.argument("company_id")
def company_id_command(code, company_id):
    """Record the ministry's CompanyId (部统一分配) of platform CODE in the register."""
    try:
        set_company_id(code, company_id, actor="cli")
    except ApiError as error:
        click.echo(f"error: {error.message_en}", err=True)
        sys.exit(2)
    click.echo(f"platform {code}: CompanyId {company_id}")
