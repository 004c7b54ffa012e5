"""The local UI server answers only its own page, on its own host name, to JSON posts."""

import pytest
import requests

from kiosk.ui import UiServer
from kiosk.visit import Visit
from tests.kiosk.test_visit_states import ScriptedBackend


@pytest.fixture
def ui():
    visit = Visit(ScriptedBackend(), idle_timeout=60)
    server = UiServer(visit, "127.0.0.1", 0)
    server.start()
    yield server
    visit.close()
    server.stop()


def test_the_page_and_its_files_are_served_uncached_under_a_strict_policy(ui):
    page = requests.get(ui.url, timeout=5)
    assert page.status_code == 200 and "网约车自助办理" in page.text
    assert page.headers["Cache-Control"] == "no-store"
    assert page.headers["Content-Security-Policy"].startswith("default-src 'self'")
    assert requests.get(f"{ui.url}static/kiosk.js", timeout=5).status_code == 200
    assert requests.get(f"{ui.url}static/../ui.py", timeout=5).status_code == 404


def test_state_is_json_with_the_screen(ui):
    state = requests.get(f"{ui.url}api/state", timeout=5).json()
    assert state["screen"] == "waiting" and state["holder"] is None


def test_another_host_name_is_refused(ui):
    response = requests.get(f"{ui.url}api/state", headers={"Host": "evil.example"}, timeout=5)
    assert response.status_code == 421


def test_only_json_posts_are_commands(ui):
    form = requests.post(f"{ui.url}api/touch", data="x=1", timeout=5,
                         headers={"Content-Type": "application/x-www-form-urlencoded"})
    assert form.status_code == 415
    assert requests.post(f"{ui.url}api/touch", json={}, timeout=5).status_code == 200
    wrong = requests.post(f"{ui.url}api/confirm", json={}, timeout=5)
    assert wrong.status_code == 409 and wrong.json()["screen"] == "waiting"
