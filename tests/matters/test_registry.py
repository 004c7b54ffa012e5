"""The matter registry is the one source of which matters can be applied for, where, and with
which checks; handler modules are found without a list kept by hand."""

import ast
from pathlib import Path

import pytest

from backend.drivers.rules import DRIVER_RULES
from backend.identity.operations import register_or_update
from backend.matters import registry
from backend.matters.registry import Channel
from tests.factories import id_number

BACKEND = Path(__file__).resolve().parents[2] / "backend"
OFFERED = {"driver-cert-issue", "driver-cert-renew", "driver-cert-reissue", "driver-cert-cancel",
           "driver-cert-change", "vehicle-permit-issue", "vehicle-permit-cancel",
           "vehicle-cert-reissue", "vehicle-cert-renew", "platform-licence-issue",
           "platform-licence-change"}


def test_every_handler_is_found_without_a_list(app):
    assert set(registry.HANDLERS) == OFFERED


def test_the_catalogue_shows_channels_and_checks_from_the_handlers(client):
    items = {m["code"]: m for m in client.get("/api/v1/matters").json["items"]}
    assert items["driver-cert-renew"]["channels"] == ["app", "kiosk", "counter"]
    assert items["driver-cert-renew"]["checks"] == list(DRIVER_RULES)
    assert items["vehicle-permit-issue"]["channels"] == ["app", "counter"]
    assert items["vehicle-permit-cancel"]["checks"] == []  # (a clerk decides on the spot)
    assert items["driver-cert-change"]["channels"] == ["app", "counter"]  # (no documents at kiosks)
    assert items["driver-cert-renew"]["applicant"] == "person"
    # Companies apply in the app only: no counter or kiosk form takes a company yet.
    assert items["platform-licence-issue"]["channels"] == ["app"]
    assert items["platform-licence-change"]["channels"] == ["app"]
    assert items["platform-licence-issue"]["applicant"] == "company"


def test_a_matter_no_handler_offers_is_listed_without_channels_and_refused(client, monkeypatch):
    from tests.factories import citizen_token

    monkeypatch.delitem(registry.HANDLERS, "driver-cert-change")
    items = {m["code"]: m for m in client.get("/api/v1/matters").json["items"]}
    assert (items["driver-cert-change"]["channels"], items["driver-cert-change"]["applicant"]) == (
        [], None)
    _, headers = citizen_token(client, id_number(), "陈未开办")
    response = client.post("/api/v1/applications", json={"matter": "driver-cert-change"},
                           headers=headers)
    assert response.status_code == 422
    assert "暂不能通过此渠道申请" in response.json["message"]


def test_a_handler_for_a_matter_the_catalogue_lacks_stops_the_start(app_factory, monkeypatch):
    class Stray(registry.Handler):
        code, channels = "driver-cert-typo", (Channel.APP,)

    monkeypatch.setitem(registry.HANDLERS, "driver-cert-typo", Stray())
    with pytest.raises(RuntimeError, match="driver-cert-typo"):
        app_factory()


def test_the_kiosk_offers_what_the_registry_offers_on_kiosks(database, monkeypatch):
    from backend.devices.operations import offered_matters

    person = register_or_update(id_number(), "陈终端", actor="test")
    assert [m["code"] for m in offered_matters(person)] == [
        "driver-cert-issue", "driver-cert-renew", "driver-cert-reissue", "driver-cert-cancel"]

    cancel = registry.HANDLERS["driver-cert-cancel"]
    monkeypatch.setattr(type(cancel), "channels", (Channel.APP,))
    assert "driver-cert-cancel" not in [m["code"] for m in offered_matters(person)]
    issue = next(m for m in offered_matters(person) if m["code"] == "driver-cert-issue")
    assert issue["available"] and issue["needs_mailing_address"]


def _imports(path: Path) -> set[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    names = {alias.name for node in ast.walk(tree) if isinstance(node, ast.Import)
             for alias in node.names}
    return names | {node.module for node in ast.walk(tree)
                    if isinstance(node, ast.ImportFrom) and node.module}


@pytest.mark.parametrize("package", sorted(
    p.name for p in BACKEND.iterdir() if (p / "__init__.py").exists()))
def test_no_domain_package_imports_the_storage_module(package):
    """Whatever is done for speed lives in ``backend.storage``; only the app factory uses it."""
    for path in (BACKEND / package).rglob("*.py"):
        assert "backend.storage" not in _imports(path), path
