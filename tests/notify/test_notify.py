"""Messages to citizens in the app, and the SMS outbox: sent through a gateway, or logged in
development."""

import json
import logging
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

from backend.db import db
from backend.hotline import operations as hotline
from backend.identity.models import Person
from backend.notify import operations
from backend.notify.models import PersonMessage, Sms
from tests.factories import citizen_token


def replied_to_phone_caller():
    ticket = hotline.take_in(hotline.Kind.HELP, "手机落在网约车上了",
                             channel=hotline.TicketChannel.PHONE, subject=hotline.Subject.BUREAU,
                             caller_phone="13800002222", actor="staff:agent")
    hotline.handle(ticket, "已找到", actor="staff:handler")
    hotline.reply(ticket, "失物已找到", actor="staff:agent")
    db.session.flush()
    return ticket


def signed_in(client, phone=None):
    number, headers = citizen_token(client)
    assert client.get("/api/v1/me", headers=headers).status_code == 200  # (the app's first call)
    person = db.session.query(Person).filter_by(id_number=number).one()
    person.phone = phone
    return person, headers


def test_a_citizen_reads_their_messages_and_marks_one_read(client):
    person, headers = signed_in(client, phone="13900001111")
    other, other_headers = signed_in(client)
    first = operations.tell(person, kind="exam.booked", title="考试已预约", body="12月10日 9:00",
                            reference="DRV-1", sms="【厦门交通】考试已预约：12月10日 9:00")
    operations.tell(person, kind="certificate.suspended", title="证件已暂停使用", body="…")
    db.session.flush()

    listing = client.get("/api/v1/messages", headers=headers).json
    assert [m["title"] for m in listing["items"]] == ["证件已暂停使用", "考试已预约"]
    assert listing["unread"] == 2
    assert client.get("/api/v1/messages", headers=other_headers).json == {"items": [], "unread": 0}

    assert client.post(f"/api/v1/messages/{first.id}/read", headers=other_headers).status_code == 404
    read = client.post(f"/api/v1/messages/{first.id}/read", headers=headers)
    assert read.status_code == 200 and read.json["read_at"] is not None
    assert client.get("/api/v1/messages", headers=headers).json["unread"] == 1
    assert client.get("/api/v1/messages").status_code == 401
    # the SMS goes to the phone on file, once
    assert [(s.phone, s.reference) for s in db.session.query(Sms)] == [("13900001111", "DRV-1")]


def test_a_person_without_a_phone_on_file_gets_the_message_in_the_app_only(client):
    person, _ = signed_in(client)
    operations.tell(person, kind="exam.booked", title="考试已预约", body="…", sms="考试已预约")
    db.session.flush()
    assert db.session.query(PersonMessage).count() == 1 and db.session.query(Sms).count() == 0


def test_in_development_the_outbox_is_written_to_the_log_with_the_phone_masked(app, cli, database,
                                                                              caplog):
    assert app.config["SMS_SENDER"] == "log"
    replied_to_phone_caller()
    with caplog.at_level(logging.INFO, logger="backend.notify.sms"):
        assert "sent 1, failed 0" in cli.invoke(args=["notify", "send"]).output
    assert "失物已找到" in caplog.text and "138****2222" in caplog.text
    assert "13800002222" not in caplog.text
    assert database.session.query(Sms).one().sent_by == "log"


class Gateway:
    """A local SMS gateway: records what it is sent; fails while ``down``."""

    def __init__(self):
        self.received, self.down = [], False
        gateway = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self):  # noqa: N802
                body = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
                gateway.received.append((self.headers["Authorization"], body))
                self.send_response(503 if gateway.down else 200)
                self.end_headers()

            def log_message(self, *args):
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_port}/sms"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def close(self):
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture
def gateway():
    gateway = Gateway()
    yield gateway
    gateway.close()


def test_hotline_replies_are_sent_through_the_gateway_and_a_failure_is_retried(
        app, cli, database, gateway, monkeypatch):
    ticket = replied_to_phone_caller()
    monkeypatch.setitem(app.config, "SMS_SENDER", "gateway")
    monkeypatch.setitem(app.config, "SMS_GATEWAY_URL", gateway.url)
    monkeypatch.setitem(app.config, "SMS_GATEWAY_TOKEN", "gw-token")
    gateway.down = True
    assert "sent 0, failed 1" in cli.invoke(args=["notify", "send"]).output
    gateway.down = False
    assert "sent 1, failed 0" in cli.invoke(args=["notify", "send"]).output
    assert "sent 0, failed 0" in cli.invoke(args=["notify", "send"]).output
    authorization, body = gateway.received[-1]
    assert authorization == "Bearer gw-token"
    assert body == {"phone": "13800002222", "reference": ticket.number,
                    "text": f"【12328】您的工单{ticket.number}已办理：失物已找到"}
    message = database.session.query(Sms).one()
    assert message.attempts == 2 and message.sent_at is not None


def test_without_a_gateway_send_says_so_and_sends_nothing(app, cli, database, monkeypatch):
    replied_to_phone_caller()
    monkeypatch.setitem(app.config, "SMS_SENDER", "gateway")
    result = cli.invoke(args=["notify", "send"])
    assert result.exit_code == 2 and "SMS_GATEWAY_URL is not set: 1 message" in result.output


