"""The pages keep working under the Content-Security-Policy, in a real browser: the public
certificate check keeps its look, a clerk signs in, and the console's confirm-first form asks."""

import threading
from pathlib import Path

import pytest
from werkzeug.serving import WSGIRequestHandler, make_server

from backend.db import db
from backend.devices.operations import register_device
from backend.staff.models import Role
from backend.staff.operations import create_staff
from tests.harness import STAFF_PASSWORD

CHROMIUM = Path("/usr/bin/chromium")
pytestmark = [pytest.mark.browser,
              pytest.mark.skipif(not CHROMIUM.exists(), reason="needs Debian's chromium")]


class _Quiet(WSGIRequestHandler):
    def log_request(self, *args) -> None:
        pass


@pytest.fixture
def live_url(sqlite_app):
    with sqlite_app.app_context():
        create_staff("chief", Role.ADMIN, STAFF_PASSWORD, actor="test")
        register_device("大厅一号机", "思明区行政服务中心", actor="test")
        db.session.commit()
    server = make_server("127.0.0.1", 0, sqlite_app, threaded=True, request_handler=_Quiet)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    yield f"http://127.0.0.1:{server.port}"
    server.shutdown()
    server.server_close()


@pytest.fixture
def page():
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=str(CHROMIUM),
                                             args=["--no-sandbox", "--disable-gpu"])
        page = browser.new_page()
        page.refused = []  # what the browser refused to load or run, by the policy
        page.on("console", lambda message: page.refused.append(message.text)
                if "Content Security Policy" in message.text else None)
        yield page
        browser.close()


def test_the_certificate_check_keeps_its_styles(live_url, page):
    response = page.goto(f"{live_url}/v/garbled")
    assert "frame-ancestors 'none'" in response.headers["content-security-policy"]
    verdict = page.locator(".verdict.invalid")
    assert verdict.evaluate("e => getComputedStyle(e).backgroundColor") == "rgb(253, 236, 234)"
    assert page.refused == []


def test_a_clerk_signs_in_and_the_rekey_form_asks_first(live_url, page):
    page.goto(f"{live_url}/console/login")
    page.fill("input[name=username]", "chief")
    page.fill("input[name=password]", STAFF_PASSWORD)
    page.click("button.primary")
    page.wait_for_url(f"{live_url}/console/")
    page.goto(f"{live_url}/console/devices/")

    questions = []
    page.once("dialog", lambda dialog: (questions.append(dialog.message), dialog.dismiss()))
    page.click("button:has-text('重新生成密钥')")
    assert questions and "旧密钥立即失效" in questions[0]
    assert page.url == f"{live_url}/console/devices/"  # dismissed: nothing was sent

    page.once("dialog", lambda dialog: dialog.accept())
    page.click("button:has-text('重新生成密钥')")
    page.wait_for_selector("text=终端新密钥")
    assert page.refused == []
