"""Fixtures for the kiosk tests: the backend as a live HTTP server, pcscd with a vpcd slot,
virtual ID cards, the kiosk program and headless Chromium.

pcscd is shared when one already runs (``card_reader.daemon.PcscDaemon``), as in
``tests/card_reader``; the backend runs on its own SQLite file (committed data: the kiosk
program reaches it over HTTP from other threads).
"""

from __future__ import annotations

import dataclasses
import threading
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from werkzeug.serving import WSGIRequestHandler, make_server

from backend.db import db
from tests.conftest import make_app
from tests.devices.kiosks import card_for, register

CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking",
                 "--disable-component-update", "--no-first-run"]
#: Upper bound for any screen to appear (a card read is well under a second).
SCREEN_TIMEOUT_MS = 10_000


@dataclasses.dataclass(frozen=True)
class Slot:
    reader: str
    port: int


class _QuietHandler(WSGIRequestHandler):
    # HTTP/1.0: one connection per request, so stopping the server really cuts the kiosk off.
    protocol_version = "HTTP/1.0"

    def log_request(self, *args) -> None:
        pass


class LiveBackend:
    """The backend app served on a loopback port that stays the same across stop and start."""

    def __init__(self, app, port: int = 0):
        self.app, self.port = app, port
        self._server = None

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def start(self) -> None:
        self._server = make_server("127.0.0.1", self.port, self.app, threaded=True,
                                   request_handler=_QuietHandler)
        self.port = self._server.port
        threading.Thread(target=self._server.serve_forever, daemon=True).start()

    def stop(self) -> None:
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()
            self._server = None


class BackendData:
    """Arrange and inspect the live backend's database (each call commits)."""

    def __init__(self, app):
        self.app = app

    def run(self, work: Callable):
        with self.app.app_context():
            try:
                result = work()
                db.session.commit()
                return result
            finally:
                db.session.remove()

    def device(self) -> tuple[str, str]:
        return self.run(register)

    def holder(self, name: str = "林持证", *, certificate: bool = True, **overrides) -> dict:
        """A person in every mirror (with a driver certificate), as their card reads."""
        from tests.devices.kiosks import eligible_driver, holder_with_certificate

        make = holder_with_certificate if certificate else eligible_driver
        number = self.run(lambda: make(self.app.test_client(), name=name, **overrides))
        return card_for(number, name)


@pytest.fixture(scope="session")
def slot(pcscd) -> Slot:
    from card_reader import pcsc
    from card_reader.daemon import vpcd_port

    for reader in pcscd.vpcd_readers():
        if not pcsc.card_present(reader):
            return Slot(reader, vpcd_port(reader))
    pytest.fail("every vpcd slot already holds a card: stop the other virtual cards", pytrace=False)


@pytest.fixture(scope="module")
def backend_app(tmp_path_factory):
    path = tmp_path_factory.mktemp("kiosk-backend")
    app = make_app(f"sqlite:///{path / 'kiosk.sqlite3'}", path / "instance")
    yield app
    with app.app_context():
        db.engine.dispose()


@pytest.fixture(scope="module")
def backend(backend_app) -> Iterator[LiveBackend]:
    server = LiveBackend(backend_app)
    server.start()
    yield server
    server.stop()


@pytest.fixture(scope="module")
def data(backend_app) -> BackendData:
    return BackendData(backend_app)


@pytest.fixture
def run_kiosk(slot):
    """Start the kiosk program in this process: ``run_kiosk(url, device, **config)``."""
    from kiosk.app import KioskProgram
    from kiosk.config import Config

    programs = []

    def run(server_url: str, device: tuple[str, str], **options) -> KioskProgram:
        options = {"reader": slot.reader, "ui_port": 0, "idle_timeout": 30.0,
                   "request_timeout": 3.0, **options}
        program = KioskProgram(Config(server_url=server_url, device_id=device[0],
                                      secret=device[1], **options))
        program.start()
        programs.append(program)
        return program

    yield run
    for program in programs:
        program.stop()


@pytest.fixture
def insert_card(slot):
    """Place virtual cards on the kiosk's reader; all are taken away afterwards."""
    from card_reader import pcsc
    from card_reader.record import IdentityRecord
    from card_reader.virtual import VirtualCard

    cards = []

    def insert(card: dict, **options):
        virtual = VirtualCard(IdentityRecord.from_json_dict(card), port=slot.port, **options)
        virtual.insert(timeout=5)
        cards.append(virtual)
        return virtual

    yield insert
    for card in cards:
        card.remove()
    pcsc.wait_for_removal(slot.reader, timeout=5)


@pytest.fixture(scope="module")
def browser():
    if not CHROMIUM.exists():
        pytest.skip(f"{CHROMIUM} is missing (Debian package chromium)")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        yield chromium
        chromium.close()


@pytest.fixture
def page(browser):
    context = browser.new_context(viewport={"width": 1920, "height": 1080}, locale="zh-CN")
    page = context.new_page()
    page.set_default_timeout(SCREEN_TIMEOUT_MS)
    yield page
    context.close()
