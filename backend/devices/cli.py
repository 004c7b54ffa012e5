"""``flask devices register NAME --location TEXT`` (and list, disable, enable, rekey)."""

import os
import sys
from pathlib import Path

import click

from backend.devices import operations
from backend.errors import ApiError
from backend.transactions import CommandGroup

devices_cli = CommandGroup("devices", help="Self-service kiosks (自助终端) that call the kiosk API.")


def _print_credentials(device_id: str, secret: str) -> None:
    click.echo(f"device id: {device_id}")
    click.echo(f"secret:    {secret}")
    click.echo("The secret is shown only now. Put both into the kiosk's kiosk.toml:")
    click.echo(f'  [server]\n  device_id = "{device_id}"\n  secret = "{secret}"')


def _device(device_id: str):
    try:
        return operations.device_or_404(device_id)
    except ApiError as error:
        click.echo(f"error: {error.message_en}", err=True)
        sys.exit(2)


def _write_config(path: Path, device_id: str, secret: str, url: str, reader: str) -> None:
    """A kiosk.toml for this kiosk, readable by its owner only (it holds the secret)."""
    example = (Path(__file__).resolve().parents[2] / "kiosk" / "kiosk.example.toml").read_text()
    text = (example.replace('url = "http://127.0.0.1:5000"', f'url = "{url}"')
            .replace('device_id = "kiosk-0123456789ab"', f'device_id = "{device_id}"')
            .replace('secret = "paste-the-secret-printed-at-registration"', f'secret = "{secret}"')
            .replace('name = ""', f'name = "{reader}"'))
    path.parent.mkdir(parents=True, exist_ok=True)
    descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(descriptor, "w", encoding="utf-8") as file:
        file.write(text)


@devices_cli.command("register")
@click.argument("name")
@click.option("--location", required=True, help="Where the kiosk stands (shown to staff).")
@click.option("--write-config", "config", type=click.Path(dir_okay=False, path_type=Path),
              help="Also write the kiosk program's kiosk.toml here (mode 0600) instead of "
                   "printing the secret.")
@click.option("--url", default=lambda: os.environ.get("PUBLIC_BASE_URL")
              or f"http://127.0.0.1:{os.environ.get('PORT', '5000')}",
              show_default="PUBLIC_BASE_URL, else http://127.0.0.1:$PORT",
              help="The backend the kiosk calls (with --write-config).")
@click.option("--reader", default="", help="The card reader's name (with --write-config).")
def register_command(name, location, config, url, reader):
    """Register a kiosk; print its device id and secret once (or write them into a kiosk.toml)."""
    if not name.strip() or not location.strip():
        click.echo("error: NAME and --location must not be empty", err=True)
        sys.exit(2)
    device, secret = operations.register_device(name, location, actor="cli")
    if config is None:
        _print_credentials(device.id, secret)
        return
    _write_config(config, device.id, secret, url, reader)
    click.echo(f"device id: {device.id}; its kiosk.toml (with the secret) is {config}")


@devices_cli.command("list")
def list_command():
    """Every registered kiosk with its status (never a secret)."""
    for device in operations.all_devices():
        seen = device.last_seen_at.isoformat(timespec="seconds") if device.last_seen_at else "never"
        state = "enabled" if device.enabled else "DISABLED"
        click.echo(f"{device.id}  {state:<8}  last seen {seen}  {device.name} ({device.location})")


@devices_cli.command("disable")
@click.argument("device_id")
def disable_command(device_id):
    """Refuse every request of a kiosk from now on."""
    operations.set_enabled(_device(device_id), False, actor="cli")
    click.echo(f"{device_id} disabled")


@devices_cli.command("enable")
@click.argument("device_id")
def enable_command(device_id):
    """Accept a disabled kiosk's requests again."""
    operations.set_enabled(_device(device_id), True, actor="cli")
    click.echo(f"{device_id} enabled")


@devices_cli.command("rekey")
@click.argument("device_id")
def rekey_command(device_id):
    """Give a kiosk a new secret (the old one stops working); print it once."""
    secret = operations.rekey(_device(device_id), actor="cli")
    _print_credentials(device_id, secret)
