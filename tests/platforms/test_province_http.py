"""The province over HTTP: our request reaches its endpoint signed, with the online-capability
materials; its signed callback records the result; an unsigned, stale or forged one is 401."""

from __future__ import annotations

import base64
import hashlib
import json
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

from backend.db import db
from backend.licensing import operations as licensing
from backend.licensing.models import State
from backend.platforms.province import signature
from tests.platforms.companies import PDF, company
from tests.platforms.companies import apply as apply_for_licence

SECRET = "province-shared-secret-for-tests"


class Province:
    """The province's endpoint on a loopback port: records what it receives, answers 202."""

    def __init__(self, status: int = 202):
        self.received: list[tuple[dict, bytes]] = []
        province = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self):  # noqa: N802 (http.server's naming)
                body = self.rfile.read(int(self.headers["Content-Length"]))
                province.received.append((dict(self.headers), body, self.path))
                self.send_response(status)
                self.send_header("Content-Length", "0")
                self.end_headers()

            def log_message(self, *args):
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}"

    def close(self):
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture
def province(app):
    stub = Province()
    saved = {k: app.config[k] for k in ("PROVINCE_URL", "PROVINCE_SECRET")}
    app.config.update(PROVINCE_URL=stub.url, PROVINCE_SECRET=SECRET)
    yield stub
    app.config.update(saved)
    stub.close()


def send_to_province(client, the) -> str:
    number = apply_for_licence(client, the).json["number"]
    licensing.decide(licensing.by_number(number), approve=True, reason="线下材料齐全",
                     actor="staff:clerk")
    db.session.commit()  # (as the clerk's request would: a later failed request rolls back)
    return number


def callback(client, request_id, payload, *, secret=SECRET, timestamp=None):
    body = json.dumps(payload).encode()
    timestamp = timestamp or str(int(time.time()))
    return client.post(f"/api/v1/province/reviews/{request_id}/result", data=body,
                       content_type="application/json",
                       headers={"X-Signature-Timestamp": timestamp,
                                "X-Signature": signature(secret, timestamp, body)})


def test_the_request_reaches_the_province_signed_with_the_online_materials(client, province):
    the = company(client)
    number = send_to_province(client, the)
    assert licensing.by_number(number).state == State.AWAITING_PROVINCE
    (headers, body, path), = province.received
    assert path == "/online-capability-reviews"
    assert headers["X-Signature"] == signature(SECRET, headers["X-Signature-Timestamp"], body)
    sent = json.loads(body)
    assert sent["application_number"] == number and sent["company"]["uscc"] == the.uscc
    assert {m["name"] for m in sent["materials"]} == {"online_capability", "data_access_commitment"}
    first = sent["materials"][0]
    assert base64.b64decode(first["content_base64"]) == PDF
    assert first["sha256"] == hashlib.sha256(PDF).hexdigest()
    assert sent["callback_url"].endswith(f"/api/v1/province/reviews/{sent['request_id']}/result")


def test_a_signed_callback_records_the_result_and_a_repeat_changes_nothing(client, province):
    the = company(client)
    number = send_to_province(client, the)
    request_id = json.loads(province.received[0][1])["request_id"]
    answer = {"result": "not_certified", "reasons": ["未提供网络安全等级保护备案证明"],
              "reference": "闽交认〔2026〕12号"}
    response = callback(client, request_id, answer)
    assert response.status_code == 200 and response.json["recorded"] is True
    detail = client.get(f"/api/v1/applications/{number}", headers=the.headers).json
    step = {s["step"]: s for s in detail["progress"]["steps"]}["province"]
    assert step["reasons"] == ["未提供网络安全等级保护备案证明"]
    assert detail["status"] == "awaiting_review"
    assert callback(client, request_id, answer).json["recorded"] is False
    changed = callback(client, request_id, {"result": "certified"})
    assert changed.status_code == 409


@pytest.mark.parametrize("forgery", ["wrong secret", "stale", "unsigned"])
def test_a_forged_stale_or_unsigned_callback_is_401_and_changes_nothing(client, province,
                                                                         forgery):
    the = company(client)
    number = send_to_province(client, the)
    request_id = json.loads(province.received[0][1])["request_id"]
    if forgery == "wrong secret":
        response = callback(client, request_id, {"result": "certified"}, secret="guessed")
    elif forgery == "stale":
        response = callback(client, request_id, {"result": "certified"},
                            timestamp=str(int(time.time()) - 3600))
    else:
        response = client.post(f"/api/v1/province/reviews/{request_id}/result",
                               json={"result": "certified"})
    assert response.status_code == 401
    assert licensing.by_number(number).state == State.AWAITING_PROVINCE


def test_a_callback_for_an_unknown_request_is_404(client, province):
    assert callback(client, "0190f0c8-0000-7000-8000-000000000000",
                    {"result": "certified"}).status_code == 404


def test_a_province_that_is_down_leaves_it_waiting_and_the_clerk_can_send_again(
        client, app, province, sign_in):
    from backend.staff.models import Role
    from tests.harness import post

    the = company(client)
    app.config["PROVINCE_URL"] = "http://127.0.0.1:9"  # (nothing listens there)
    number = send_to_province(client, the)
    assert licensing.by_number(number).state == State.AWAITING_PROVINCE
    sign_in(Role.CLERK)
    page = client.get("/console/province").get_data(as_text=True)
    assert "未送达" in page
    app.config["PROVINCE_URL"] = province.url
    from backend.platforms.operations import case_of

    request_id = case_of(licensing.by_number(number)).province_request_id
    assert post(client, f"/console/province/{request_id}/resend").status_code == 302
    assert len(province.received) == 1
    assert "未送达" not in client.get("/console/province").get_data(as_text=True)


def test_a_province_url_without_a_secret_refuses_the_start(app_factory):
    from backend.config import ConfigurationError

    with pytest.raises(ConfigurationError, match="PROVINCE_SECRET"):
        app_factory(PROVINCE_URL="http://127.0.0.1:9", PROVINCE_SECRET=None)
