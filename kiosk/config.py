"""The kiosk's configuration file (TOML)::

    [server]
    url = "https://wyc.example.gov.cn"      # the backend; the kiosk API is under /kiosk/v1
    device_id = "kiosk-3f9a1c2e5b7d"        # printed by `flask devices register`
    secret = "…"                            # or: secret_file = "/etc/wyc-kiosk/secret"
    timeout = 8                             # seconds per backend request

    [reader]
    name = ""                               # a unique part of the reader's name; "" = first reader
    read_deadline = 3                       # seconds for one card read

    [ui]
    host = "127.0.0.1"
    port = 8765
    idle_timeout = 60                       # seconds without a touch before the visit is reset

Only ``server.url``, ``server.device_id`` and the secret are required.
"""

from __future__ import annotations

import dataclasses
import tomllib
from pathlib import Path
from urllib.parse import urlsplit


class ConfigError(ValueError):
    """The configuration file is missing, unreadable or wrong; the message says what to fix."""


@dataclasses.dataclass(frozen=True)
class Config:
    server_url: str
    device_id: str
    secret: str = dataclasses.field(repr=False)
    request_timeout: float = 8.0
    reader: str | None = None
    read_deadline: float = 3.0
    ui_host: str = "127.0.0.1"
    ui_port: int = 8765
    idle_timeout: float = 60.0


def load(path: Path) -> Config:
    try:
        data = tomllib.loads(path.read_text("utf-8"))
    except OSError as error:
        raise ConfigError(f"cannot read {path}: {error.strerror}") from None
    except tomllib.TOMLDecodeError as error:
        raise ConfigError(f"{path} is not valid TOML: {error}") from None
    return from_mapping(data, base=path.parent)


def from_mapping(data: dict, base: Path = Path(".")) -> Config:
    server, reader, ui = (_table(data, name) for name in ("server", "reader", "ui"))
    url = _required(server, "server", "url").rstrip("/")
    if urlsplit(url).scheme not in ("http", "https") or not urlsplit(url).netloc:
        raise ConfigError(f"server.url must be an http(s) URL, got {url!r}")
    return Config(
        server_url=url,
        device_id=_required(server, "server", "device_id"),
        secret=_secret(server, base),
        request_timeout=_number(server, "server", "timeout", 8.0),
        reader=str(reader.get("name") or "") or None,
        read_deadline=_number(reader, "reader", "read_deadline", 3.0),
        ui_host=str(ui.get("host", "127.0.0.1")),
        ui_port=int(_number(ui, "ui", "port", 8765)),
        idle_timeout=_number(ui, "ui", "idle_timeout", 60.0),
    )


def _table(data: dict, name: str) -> dict:
    table = data.get(name, {})
    if not isinstance(table, dict):
        raise ConfigError(f"[{name}] must be a table")
    return table


def _required(table: dict, section: str, key: str) -> str:
    value = table.get(key)
    if not isinstance(value, str) or not value.strip():
        raise ConfigError(f"{section}.{key} is required")
    return value.strip()


def _number(table: dict, section: str, key: str, default: float) -> float:
    value = table.get(key, default)
    if isinstance(value, bool) or not isinstance(value, int | float) or value <= 0:
        raise ConfigError(f"{section}.{key} must be a positive number")
    return float(value)


def _secret(server: dict, base: Path) -> str:
    if server.get("secret_file"):
        path = base / server["secret_file"]
        try:
            secret = path.read_text("utf-8").strip()
        except OSError as error:
            raise ConfigError(f"cannot read server.secret_file {path}: {error.strerror}") from None
        if not secret:
            raise ConfigError(f"server.secret_file {path} is empty")
        return secret
    return _required(server, "server", "secret")
