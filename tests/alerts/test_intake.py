"""The alert intake: signed hook and file import, one path; suspension at once."""

from __future__ import annotations

import base64
import json
import time

import sqlalchemy as sa

from backend.alerts.models import Alert, Outcome, Suspension
from backend.certificates.models import Status
from backend.db import db
from backend.mailing.operations import queued_items
from backend.notify.models import PersonMessage, Sms
from backend.staff.models import Role
from tests.alerts.helpers import alert, jsonl, post
from tests.certificates.holders import download, driver_with_certificate, token_of
from tests.drivers.helpers import apply, failing, make_driver


def count(model) -> int:
    return db.session.scalar(sa.select(sa.func.count()).select_from(model))


def test_a_signed_alert_suspends_the_holders_certificate_at_once(client, police):
    number, headers, certificate = driver_with_certificate(client)
    token = token_of(client.get("/api/v1/certificates", headers=headers).json["items"][0]
                     ["verification_url"])
    assert client.get(f"/api/v1/verify/{token}").json["valid"] is True

    response = post(client, police.sign(alert(number, "drink_driving", recorded_on="2026-11-20")))

    assert response.status_code == 201, response.json
    assert response.json["outcome"] == "suspended" and response.json["duplicate"] is False
    answer = client.get(f"/api/v1/verify/{token}").json
    assert (answer["valid"], answer["status"], answer["reason"]) == (False, "suspended", "suspended")
    assert answer["status_since"] == db.session.get(type(certificate), certificate.id) \
        .status_changed_at.astimezone(__import__("zoneinfo").ZoneInfo("Asia/Shanghai")).date().isoformat()
    assert "暂停" in client.get(f"/v/{token}").get_data(as_text=True)
    assert download(client, headers, certificate).status_code == 409  # no paper of it now
    printable, held = queued_items()  # and the mailing room does not print it
    assert certificate.id in {i.certificate_id for i in held}
    assert certificate.id not in {i.certificate_id for i in printable}

    message = client.get("/api/v1/messages", headers=headers).json["items"][0]
    assert "饮酒后驾驶" in message["body"] and "2026-11-20" in message["body"]
    assert "drv.drugs_dui" in message["body"] and "第十四条" in message["body"]  # rule and basis
    suspension = db.session.scalar(sa.select(Suspension))
    assert str(suspension.object_by) in message["body"] and "异议" in message["body"]
    assert str(suspension.decide_by) in message["body"]
    sms = db.session.scalar(sa.select(Sms).order_by(Sms.id.desc()))
    assert sms.phone == "13800000000" and str(suspension.object_by) in sms.text


def test_the_same_alert_twice_is_one_alert(client, police):
    number, headers, _ = driver_with_certificate(client)
    same = alert(number)
    first = post(client, police.sign(same))
    again = post(client, police.sign(same, iat=time.time() - 10))
    assert (first.status_code, again.status_code) == (201, 200)
    assert again.json == {**first.json, "duplicate": True}
    assert (count(Alert), count(Suspension)) == (1, 1)
    assert count(PersonMessage) == 1 + sum(1 for m in client.get(
        "/api/v1/messages", headers=headers).json["items"] if m["kind"] != "alert.suspended")


def _nothing_stored():
    assert count(Alert) == 0 and count(Suspension) == 0


def test_unsigned_tampered_stale_or_foreign_alerts_are_401_and_nothing_is_stored(client, police):
    number, _, certificate = driver_with_certificate(client)
    db.session.commit()  # (what the test set up stays when a refused request rolls back)
    body = alert(number)
    unsigned = json.dumps(body).encode()
    header, payload, signature = police.sign(body).decode().split(".")
    changed = json.loads(base64.urlsafe_b64decode(payload + "=="))
    changed["id_number"] = number  # (the same, but the reference changed below)
    changed["reference"] = "GA-forged"
    forged_payload = base64.urlsafe_b64encode(json.dumps(changed).encode()).rstrip(b"=").decode()
    tampered = f"{header}.{forged_payload}.{signature}".encode()
    from tests.alerts.helpers import PoliceSystem

    cases = {
        "unsigned": unsigned,
        "empty": b"",
        "tampered": tampered,
        "stale": police.sign(body, iat=time.time() - 3600),
        "from the future": police.sign(body, iat=time.time() + 3600),
        "another key": PoliceSystem().sign(body),
        "another audience": police.sign(body, aud="someone-else"),
    }
    for name, data in cases.items():
        response = post(client, data)
        assert response.status_code == 401, (name, response.json)
        assert response.json["message"] and response.json["message_en"]
    _nothing_stored()
    assert db.session.get(type(certificate), certificate.id).status == Status.VALID


def test_a_signed_alert_with_a_bad_field_is_422_and_nothing_is_stored(client, police):
    number, _, _ = driver_with_certificate(client)
    db.session.commit()
    for bad in ({"category": "jaywalking"}, {"id_number": "350203199001011235"},
                {"recorded_on": "2026-13-01"}, {"reference": ""}, {"unexpected": 1},
                {"recorded_on": "2099-01-01"}):
        response = post(client, police.sign({**alert(number), **bad}))
        assert response.status_code == 422, (bad, response.json)
    _nothing_stored()


def test_an_alert_about_a_person_without_a_certificate_is_kept_and_fails_their_application(
        client, police, sign_in):
    number, headers = make_driver(client, name="林预警")
    response = post(client, police.sign(alert(number, "violent_crime", reference="GA-0001")))
    assert response.status_code == 201 and response.json["outcome"] == "no_certificate"
    assert count(Suspension) == 0

    application = apply(client, headers)
    assert "drv.criminal" in failing(application)

    sign_in(Role.CLERK)
    page = client.get("/console/alerts/").get_data(as_text=True)
    assert "GA-0001" in page and "无有效证件" in page and number not in page  # masked


def test_a_licence_revocation_alert_fails_the_licence_rule(client, police):
    number, headers = make_driver(client, name="郑吊照")
    post(client, police.sign(alert(number, "licence_revoked")))
    assert failing(apply(client, headers)) == {"drv.licence_valid"}


def test_the_import_file_goes_the_same_way_all_lines_or_none(client, cli, tmp_path, app):
    number, headers, certificate = driver_with_certificate(client)
    other, _ = make_driver(client, name="吴无证")
    good = tmp_path / "alerts.jsonl"
    good.write_text(jsonl(alert(number, reference="F-1"), alert(other, reference="F-2")),
                    encoding="utf-8")
    bad = tmp_path / "bad.jsonl"
    bad.write_text(jsonl(alert(number, reference="F-3"), alert(other, category="nope")),
                   encoding="utf-8")

    refused = cli.invoke(args=["alerts", "import", str(bad)])
    assert refused.exit_code == 2 and "line 2" in refused.output and "category" in refused.output
    db.session.rollback()
    _nothing_stored()

    result = cli.invoke(args=["alerts", "import", str(good)])
    assert result.exit_code == 0, result.output
    assert "1 suspended" in result.output and "1 no_certificate" in result.output
    again = cli.invoke(args=["alerts", "import", str(good)])
    assert "2 repeated" in again.output
    assert db.session.get(type(certificate), certificate.id).status == Status.SUSPENDED
    assert {a.outcome for a in db.session.scalars(sa.select(Alert))} == {
        Outcome.SUSPENDED, Outcome.NO_CERTIFICATE}


def test_without_a_configured_key_the_hook_refuses_everything(client, app):
    saved = app.config.get("POLICE_ALERT_KEY_FILE")
    app.config["POLICE_ALERT_KEY_FILE"] = None
    try:
        assert post(client, b"a.b.c").status_code == 503
    finally:
        app.config["POLICE_ALERT_KEY_FILE"] = saved
    _nothing_stored()


def test_a_second_alert_about_a_suspended_holder_is_kept_and_shown_with_the_first(
        client, police, sign_in):
    number, _, _ = driver_with_certificate(client)
    assert post(client, police.sign(alert(number, "drug_use"))).json["outcome"] == "suspended"
    second = post(client, police.sign(alert(number, "drink_driving", reference="GA-second")))
    assert second.status_code == 201 and second.json["outcome"] == "already_suspended"
    assert count(Suspension) == 1
    suspension = db.session.scalar(sa.select(Suspension))
    sign_in(Role.CLERK)
    page = client.get(f"/console/alerts/suspensions/{suspension.id}").get_data(as_text=True)
    assert "GA-second" in page and "饮酒后驾驶" in page
