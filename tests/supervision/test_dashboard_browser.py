"""The supervision dashboard in headless Chromium: a supervisor signs in and sees the ranking,
both charts drawn and the leads, with nothing fetched from another origin. Screenshots are saved
in the test's artifacts (its ``tmp_path``, and ``$TEST_ARTIFACTS`` when that names a folder)."""

from __future__ import annotations

import datetime as dt
import os
import threading
from pathlib import Path
from urllib.parse import urlsplit

import pytest
from werkzeug.serving import WSGIRequestHandler, make_server

from backend.db import db
from backend.staff.models import Role
from backend.staff.operations import create_staff
from tests.harness import STAFF_PASSWORD
from tests.supervision.platforms import licensed_platform
from tests.supervision.test_compliance import at, licensed_pair, order

CHROMIUM = Path("/usr/bin/chromium")
pytestmark = [pytest.mark.browser,
              pytest.mark.skipif(not CHROMIUM.exists(), reason="needs Debian's chromium")]


class _Quiet(WSGIRequestHandler):
    def log_request(self, *args) -> None:
        pass


@pytest.fixture
def live_url(sqlite_app, monkeypatch):
    from backend.certificates import operations as certificates

    yesterday = dt.datetime.now(dt.timezone(dt.timedelta(hours=8))).date() - dt.timedelta(days=1)
    with sqlite_app.app_context():
        create_staff("chief-supervisor", Role.SUPERVISOR, STAFF_PASSWORD, actor="test")
        platform, aggregator = licensed_platform(), licensed_platform()
        aggregator.aggregator = True
        monkeypatch.setattr(certificates, "utcnow",
                            lambda: at(yesterday, 0).astimezone(dt.UTC) - dt.timedelta(days=30))
        driver, plate = licensed_pair(platform, lambda moment: None, None)
        for n in range(6):
            order(platform.company_id, driver if n else "350203199001010011", plate,
                  at(yesterday, 9 + n))
        order(aggregator.company_id, driver, plate, at(yesterday, 18))
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
        page = browser.new_page(viewport={"width": 1280, "height": 900})
        page.origins = set()
        page.on("request", lambda request: page.origins.add(urlsplit(request.url).netloc))
        yield page
        browser.close()


def snap(page, tmp_path: Path, name: str) -> Path:
    path = tmp_path / "artifacts" / f"{name}.png"
    path.parent.mkdir(exist_ok=True)
    page.screenshot(path=str(path), full_page=True)
    if folder := os.environ.get("TEST_ARTIFACTS"):
        Path(folder).mkdir(parents=True, exist_ok=True)
        page.screenshot(path=str(Path(folder) / f"{name}.png"), full_page=True)
    return path


def test_a_supervisor_sees_the_ranking_charts_and_leads(live_url, page, tmp_path):
    page.goto(f"{live_url}/console/login")
    page.fill("input[name=username]", "chief-supervisor")
    page.fill("input[name=password]", STAFF_PASSWORD)
    page.click("button.primary")
    page.wait_for_url(f"{live_url}/console/")
    page.click("nav >> text=双合规")
    page.wait_for_selector("#ranking")
    yesterday = dt.datetime.now(dt.timezone(dt.timedelta(hours=8))).date() - dt.timedelta(days=1)
    if yesterday.month != dt.datetime.now(dt.timezone(dt.timedelta(hours=8))).month:
        page.goto(f"{live_url}/console/supervision/compliance/?month={yesterday:%Y-%m}")

    ranking = page.inner_text("#ranking")
    assert "83.3%" in ranking and "100.0%" in ranking and "聚合平台" in ranking
    # Both charts are drawn, with a size on the screen: a line per platform and a bar per month.
    line = page.locator("#daily-chart polyline").first
    assert page.locator("#daily-chart polyline").count() == 2
    assert line.bounding_box()["width"] >= 0 and page.locator("#daily-chart circle").count() == 2
    bar = page.locator("#trend-chart rect").last.bounding_box()
    assert bar["height"] > 50
    leads = page.inner_text("#leads")
    assert "350***********0011" in leads and "350203199001010011" not in page.content()
    assert page.origins == {urlsplit(live_url).netloc}      # nothing from elsewhere
    shot = snap(page, tmp_path, "compliance-dashboard")
    assert shot.stat().st_size > 20_000

    page.click("#leads a.mono")
    page.wait_for_selector("text=从未有过")
    snap(page, tmp_path, "compliance-lead")
