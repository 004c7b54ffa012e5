"""Fixtures for the H5 pages in a real browser: the backend served on a loopback port with its
own SQLite file (committed data: the browser reaches it over HTTP from other threads), Debian's
Chromium at a phone's viewport, axe-core for accessibility, and a folder for screenshots."""

from __future__ import annotations

import os
import subprocess
import threading
from collections.abc import Callable
from pathlib import Path

import pytest
from werkzeug.serving import WSGIRequestHandler, make_server

from backend.db import db
from tests.conftest import make_app

CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking",
                 "--disable-component-update", "--no-first-run"]
PHONE = {"width": 390, "height": 844}
#: Screenshots are kept here after the run (CI can keep the folder as an artifact).
ARTIFACTS = Path(os.environ.get("H5_ARTIFACTS_DIR")
                 or Path(__file__).resolve().parents[2] / "test-artifacts" / "h5")


class _Quiet(WSGIRequestHandler):
    def log_request(self, *args) -> None:
        pass


class Backend:
    """The live backend and a way to arrange its data (each call commits)."""

    def __init__(self, app, url: str):
        self.app, self.url = app, url

    def run(self, work: Callable):
        """``work(client)`` inside the app, committed; its result."""
        with self.app.app_context():
            try:
                result = work(self.app.test_client())
                db.session.commit()
                return result
            finally:
                db.session.remove()


@pytest.fixture(scope="module")
def backend(tmp_path_factory):
    path = tmp_path_factory.mktemp("h5-backend")
    app = make_app(f"sqlite:///{path / 'h5.sqlite3'}", path / "instance")
    server = make_server("127.0.0.1", 0, app, threaded=True, request_handler=_Quiet)
    # The QR codes link to this server, as a real deployment's link to itself.
    app.config["PUBLIC_BASE_URL"] = f"http://127.0.0.1:{server.port}"
    threading.Thread(target=server.serve_forever, daemon=True).start()
    yield Backend(app, f"http://127.0.0.1:{server.port}")
    server.shutdown()
    server.server_close()
    with app.app_context():
        db.engine.dispose()


@pytest.fixture(scope="module")
def chromium():
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        yield browser
        browser.close()


@pytest.fixture
def phone(chromium, request):
    """A new phone-sized browser (its own cookies); what the page refused by the
    Content-Security-Policy is collected in ``page.refused``."""
    context = chromium.new_context(viewport=PHONE, device_scale_factor=2, is_mobile=True,
                                   has_touch=True, locale="zh-CN")
    page = context.new_page()
    page.set_default_timeout(10_000)
    page.refused = []
    page.on("console", lambda message: page.refused.append(message.text)
            if "Content Security Policy" in message.text else None)
    yield page
    context.close()


def screenshot(page, name: str) -> Path:
    """Keep a screenshot of the whole page as a test artifact; its path."""
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    path = ARTIFACTS / f"{name}.png"
    page.screenshot(path=str(path), full_page=True)
    return path


def assert_accessible(page) -> None:
    """axe-core (the copy the axe-playwright-python package ships) finds no violation of
    WCAG 2.1 A/AA or best practice on the page as it is now."""
    from axe_playwright_python.sync_playwright import Axe

    results = Axe().run(page, options={"runOnly": {"type": "tag", "values": [
        "wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "best-practice"]}})
    assert results.violations_count == 0, f"{page.url}\n{results.generate_report()}"


def decode_qr(image: Path) -> list[str]:
    """What zbar reads off a screenshot: one text per QR code found."""
    result = subprocess.run(["zbarimg", "--quiet", "--raw", "-Sdisable", "-Sqrcode.enable",
                             str(image)], capture_output=True, text=True, timeout=30)
    return [line for line in result.stdout.splitlines() if line]
