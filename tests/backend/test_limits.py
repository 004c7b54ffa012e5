"""What one request may carry: refused in the JSON error shape, never a 500; through the test
client on every database and through a real gunicorn started with the project's
``gunicorn.conf.py``, which shows where gunicorn answers itself."""

from __future__ import annotations

import http.client
import json
import os
import socket
import subprocess
import sys
import time
from pathlib import Path

import pytest
import sqlalchemy as sa

from backend.common.limits import JSON_MAX_DEPTH, MAX_HEADER_BYTES, MAX_TARGET_LENGTH
from backend.db import db
from backend.licensing.models import Application
from backend.staff.models import Role
from tests.conftest import make_app
from tests.factories import citizen_token, id_number
from tests.harness import post

ROOT = Path(__file__).resolve().parents[2]
SHAPE = {"code", "status", "message", "message_en"}


def _nested(depth: int) -> str:
    """A body whose unknown field holds ``depth`` arrays inside each other."""
    return '{"matter": "driver-cert-issue", "x": ' + "[" * depth + "]" * depth + "}"


def test_deeply_nested_json_is_400_before_sign_in_and_changes_nothing(client, database):
    for path in ("/api/v1/applications", "/dev/idp/token", "/kiosk/v1/sessions"):
        response = client.post(path, data="[" * 50_000, content_type="application/json")
        assert response.status_code == 400, path
        assert set(response.json) >= SHAPE and "嵌套" in response.json["message"]
    assert database.session.scalar(sa.select(sa.func.count()).select_from(Application)) == 0


def test_nesting_up_to_the_limit_reaches_the_schema(client):
    _, headers = citizen_token(client)
    within = client.post("/api/v1/applications", data=_nested(JSON_MAX_DEPTH - 1),
                         content_type="application/json", headers=headers)
    assert within.status_code == 422 and "x" in within.json["errors"]["json"]  # (unknown field)
    beyond = client.post("/api/v1/applications", data=_nested(JSON_MAX_DEPTH),
                         content_type="application/json", headers=headers)
    assert beyond.status_code == 400


def test_a_page_past_the_integer_range_is_422_and_the_last_page_is_empty(client):
    _, headers = citizen_token(client)
    for page in ("2147483648", "9223372036854775808", "99999999999999999999999"):
        response = client.get(f"/api/v1/applications?page={page}", headers=headers)
        assert response.status_code == 422 and "page" in response.json["errors"]["query"], page
    last = client.get("/api/v1/applications?page=2147483647&per_page=100", headers=headers)
    assert last.status_code == 200 and last.json["items"] == []  # (the offset fits: no 500)


def test_an_id_past_the_integer_range_is_404(client):
    _, headers = citizen_token(client)
    for certificate_id in ("2147483648", "99999999999999999999"):
        response = client.get(f"/api/v1/certificates/{certificate_id}/pdf", headers=headers)
        assert response.status_code == 404 and response.json["code"] == 404


def test_a_nul_in_a_path_parameter_is_404_not_a_database_error(client):
    _, headers = citizen_token(client)
    for path in ("/api/v1/applications/%00", "/api/v1/applications/XM-WYC-20261130-00001%00"):
        response = client.get(path, headers=headers)
        assert response.status_code == 404 and response.json["code"] == 404
    assert client.get("/api/v1/verify/%00").json["reason"] == "malformed"


def test_a_control_character_in_a_console_path_or_an_id_past_the_range_is_404(client, sign_in):
    sign_in(Role.ADMIN)
    for path in ("/console/mailing/items/99999999999", "/console/mailing/batches/MB%00",
                 "/console/applications/XM-WYC-20261130-000001%00"):
        assert client.get(path).status_code == 404, path
    assert post(client, "/console/devices/kiosk-%00/disable").status_code == 404
    found = client.get("/console/mailing/items?id=%C2%B2")  # ("²": a digit to str.isdigit)
    assert found.status_code == 302


def test_request_target_and_headers_over_the_limits_get_the_shape(client):
    response = client.get("/api/v1/matters?q=" + "a" * MAX_TARGET_LENGTH)
    assert response.status_code == 414 and set(response.json) >= SHAPE
    response = client.get("/api/v1/matters", headers={"X-Big": "a" * MAX_HEADER_BYTES})
    assert response.status_code == 431 and set(response.json) >= SHAPE
    many = {f"X-Field-{i}": "1" for i in range(101)}
    assert client.get("/api/v1/matters", headers=many).status_code == 431
    assert client.get("/api/v1/matters", headers={"X-Big": "a" * 4000}).status_code == 200


def test_a_wrong_method_is_405_with_allow(client):
    response = client.delete("/api/v1/matters")
    assert response.status_code == 405 and set(response.json) >= SHAPE
    assert set(response.headers["Allow"].split(", ")) == {"GET", "HEAD", "OPTIONS"}
    response = client.get("/dev/idp/token")
    assert set(response.headers["Allow"].split(", ")) == {"POST", "OPTIONS"}


# -- the same through a real gunicorn ---------------------------------------------------------

def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@pytest.fixture(scope="module")
def gunicorn(tmp_path_factory):
    """gunicorn as ``make run`` starts it (``gunicorn.conf.py``, ``backend.wsgi:app``) on a
    loopback port, on a SQLite file of its own; stopped afterwards."""
    instance = tmp_path_factory.mktemp("gunicorn")
    url = f"sqlite:///{instance / 'wyc.sqlite3'}"
    app = make_app(url, instance)
    with app.app_context():
        db.engine.dispose()
    port = _free_port()
    env = {**os.environ, "INSTANCE_PATH": str(instance), "DATABASE_URL": url,
           "LOAD_DEMO_DATA": "0", "PYTHONPATH": str(ROOT)}
    process = subprocess.Popen(
        [Path(sys.executable).parent / "gunicorn", "--config", str(ROOT / "gunicorn.conf.py"),
         "--workers", "1", "--bind", f"127.0.0.1:{port}", "backend.wsgi:app"],
        cwd=ROOT, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        _wait_until_up(port)
        yield port
    finally:
        process.terminate()
        process.wait(timeout=30)


def _wait_until_up(port: int) -> None:
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        try:
            if _call(port, "GET", "/healthz")[0] == 200:
                return
        except OSError:
            time.sleep(0.2)
    raise RuntimeError("gunicorn did not come up")


def _call(port: int, method: str, target: str, body: bytes | str | None = None,
          headers: dict | None = None) -> tuple[int, dict, bytes]:
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
    try:
        connection.request(method, target, body=body, headers=headers or {})
        response = connection.getresponse()
        return response.status, dict(response.getheaders()), response.read()
    finally:
        connection.close()


def _json(answer) -> dict:
    status, headers, body = answer
    assert headers["Content-Type"] == "application/json", (status, body[:200])
    document = json.loads(body)
    assert set(document) >= SHAPE and document["code"] == status
    return document


def _token(port: int) -> dict:
    _, _, body = _call(port, "POST", "/dev/idp/token",
                       json.dumps({"id_number": id_number(), "name": "陈网关"}),
                       {"Content-Type": "application/json"})
    return {"Authorization": f"Bearer {json.loads(body)['access_token']}"}


def test_gunicorn_passes_bad_bodies_to_the_app_which_refuses_them_in_its_shape(gunicorn):
    json_type = {"Content-Type": "application/json"}
    answer = _call(gunicorn, "POST", "/api/v1/applications", "[" * 50_000, json_type)
    assert answer[0] == 400 and _json(answer)
    auth = _token(gunicorn)
    answer = _call(gunicorn, "GET", "/api/v1/applications?page=9223372036854775808", None, auth)
    assert answer[0] == 422 and "page" in _json(answer)["errors"]["query"]
    surrogate = '{"matter": "driver-cert-issue", "plate": "\\ud800"}'
    answer = _call(gunicorn, "POST", "/api/v1/applications", surrogate, {**json_type, **auth})
    assert answer[0] == 422 and "plate" in _json(answer)["errors"]["json"]
    answer = _call(gunicorn, "DELETE", "/api/v1/matters")
    assert answer[0] == 405 and _json(answer) and "GET" in answer[1]["Allow"]


def test_gunicorn_leaves_long_targets_and_large_headers_to_the_app_up_to_its_own_limits(gunicorn):
    long_target = "/api/v1/matters?q=" + "a" * 6000
    assert _call(gunicorn, "GET", long_target)[0] == 414
    assert _json(_call(gunicorn, "GET", long_target))["code"] == 414
    large_header = {"X-Big": "a" * 12_000}
    assert _json(_call(gunicorn, "GET", "/api/v1/matters", None, large_header))["code"] == 431
    many = {f"X-Field-{i}": "1" for i in range(150)}
    assert _json(_call(gunicorn, "GET", "/api/v1/matters", None, many))["code"] == 431


def test_past_gunicorns_own_limits_gunicorn_answers_in_html_as_documented(gunicorn):
    status, headers, _ = _call(gunicorn, "GET", "/api/v1/matters?q=" + "a" * 9000)
    assert status == 414 and "json" not in headers.get("Content-Type", "")
    status, headers, _ = _call(gunicorn, "GET", "/api/v1/matters", None, {"X-Big": "a" * 17_000})
    assert status == 431 and "json" not in headers.get("Content-Type", "")
