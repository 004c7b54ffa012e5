"""``flask devices register NAME --location TEXT`` prints the id and secret once."""

import re

import sqlalchemy as sa

from backend.audit.models import AuditEntry
from backend.devices.models import Device
from tests.devices.kiosks import SignedClient


def test_register_prints_id_and_secret_that_work(cli, client, database):
    result = cli.invoke(args=["devices", "register", "思明1号机", "--location", "思明区行政服务中心"])
    assert result.exit_code == 0, result.output
    device_id = re.search(r"device id: (\S+)", result.output).group(1)
    secret = re.search(r"secret:\s+(\S+)", result.output).group(1)
    device = database.session.get(Device, device_id)
    assert (device.name, device.location, device.enabled) == ("思明1号机", "思明区行政服务中心", True)
    assert secret not in device.sealed_secret
    entry = database.session.scalar(sa.select(AuditEntry).where(AuditEntry.action == "device.registered"))
    assert secret not in str(entry.after)
    assert SignedClient(client, device_id, secret).call("GET", "/kiosk/v1/device").status_code == 200


def test_list_disable_and_rekey(cli, client, database):
    register = cli.invoke(args=["devices", "register", "集美1号机", "--location", "集美区"])
    device_id = re.search(r"device id: (\S+)", register.output).group(1)
    assert cli.invoke(args=["devices", "disable", device_id]).exit_code == 0
    listing = cli.invoke(args=["devices", "list"]).output
    assert device_id in listing and "DISABLED" in listing and "secret" not in listing
    rekey = cli.invoke(args=["devices", "rekey", device_id])
    assert rekey.exit_code == 0 and "secret:" in rekey.output
    assert cli.invoke(args=["devices", "disable", "kiosk-nothere00000"]).exit_code == 2


def test_register_needs_a_location(cli):
    result = cli.invoke(args=["devices", "register", "无位置"])
    assert result.exit_code == 2 and "--location" in result.output


def test_register_can_write_the_kiosks_config_readable_by_its_owner_only(cli, client, database,
                                                                         tmp_path):
    from kiosk import config

    path = tmp_path / "kiosk.toml"
    result = cli.invoke(args=["devices", "register", "演示终端", "--location", "演示大厅",
                              "--write-config", str(path), "--url", "http://127.0.0.1:5123",
                              "--reader", "Virtual PCD 00 00"])
    assert result.exit_code == 0, result.output
    assert "secret:" not in result.output and str(path) in result.output
    assert path.stat().st_mode & 0o777 == 0o600
    loaded = config.load(path)
    assert (loaded.server_url, loaded.reader) == ("http://127.0.0.1:5123", "Virtual PCD 00 00")
    assert SignedClient(client, loaded.device_id, loaded.secret).call(
        "GET", "/kiosk/v1/device").status_code == 200
