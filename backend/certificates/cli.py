"""``flask keys``: the certificate signing keys (they live in ``SIGNING_KEYS_DIR``, never in the
database and never served; only their public halves are published)."""

from __future__ import annotations

import json
from pathlib import Path

import click
from flask import current_app

from backend.certificates import keys
from backend.certificates.operations import expire_due
from backend.certificates.tokens import china_today
from backend.transactions import CommandGroup


@click.group("keys", help="证件签名密钥 Certificate signing keys.")
def keys_cli() -> None:
    pass


def _directory() -> str:
    return current_app.config["SIGNING_KEYS_DIR"]


@keys_cli.command("rotate")
def rotate() -> None:
    """Create a new signing key and make it current; old public keys stay published."""
    kid = keys.rotate(_directory())
    click.echo(f"new signing key {kid} is current; private key in {Path(_directory()) / kid}.pem")
    click.echo("Certificates signed with earlier keys keep verifying: their public keys stay "
               "listed at /.well-known/certificate-keys.")


@keys_cli.command("list")
def list_keys() -> None:
    """Every published key, newest first; the current one is marked."""
    keyset = keys.read_keyset(_directory())
    if not keyset["keys"]:
        click.echo("no signing key yet: `flask keys rotate` creates one (so does the first PDF)")
    for key in reversed(keyset["keys"]):
        marker = "current" if key["kid"] == keyset["current"] else "       "
        click.echo(f"{key['kid']}  {marker}  created {key.get('created', '?')}")


@keys_cli.command("export")
@click.argument("out", type=click.Path(dir_okay=False, writable=True, path_type=Path))
def export(out: Path) -> None:
    """Write the published key set (public keys only) for offline verifiers."""
    keys.current_signer(_directory())  # a key exists before anything is published
    keyset = keys.public_keyset(_directory())
    out.write_text(json.dumps(keyset, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
    click.echo(f"{len(keyset['keys'])} public keys written to {out}; verify offline with "
               f"python -m backend.certificates.offline TOKEN --keys {out}")


certificates_cli = CommandGroup("certificates", help="证件 Certificates.")


@certificates_cli.command("expire")
def expire() -> None:
    """Mark expired the certificates past their end date (daily, after midnight Beijing time);
    the platforms serving their holders are told (``flask notices deliver``)."""
    expired = expire_due(china_today(), actor="cli:certificates.expire")
    click.echo(f"{len(expired)} certificate(s) marked expired")
