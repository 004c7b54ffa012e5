"""Due process after a suspension: the holder objects with text and files; a clerk revokes or
reinstates; overdue suspensions stand out; every step in the holder's history."""

from __future__ import annotations

import datetime as dt
import re

import sqlalchemy as sa

from backend.alerts.models import Alert, State, Suspension
from backend.certificates.models import Certificate, Status, StatusChange
from backend.db import db
from backend.licensing.operations import today
from backend.staff.models import Role
from tests.alerts.helpers import alert, post
from tests.certificates.holders import driver_with_certificate, renew, token_of, verify_online
from tests.factories import citizen_token
from tests.harness import post as console_post
from tests.platforms.companies import PDF, PNG

TEXT = "该记录系他人冒用我的身份证所致，附派出所出具的证明。"


def suspended_driver(client, police, name="陈测试"):
    number, headers, certificate = driver_with_certificate(client, name=name)
    token = token_of(client.get("/api/v1/certificates", headers=headers).json["items"][0]
                     ["verification_url"])
    assert post(client, police.sign(alert(number, "violent_crime"))).status_code == 201
    suspension = db.session.scalar(sa.select(Suspension).where(
        Suspension.certificate_id == certificate.id))
    db.session.commit()
    return headers, certificate, suspension, token


def _multipart(content, name):
    from io import BytesIO

    from werkzeug.datastructures import FileStorage
    from werkzeug.test import encode_multipart

    return encode_multipart({"file": FileStorage(BytesIO(content), name)}, boundary="xBOUNDARYx")


def upload_file(client, headers, content=PNG, name="证明.png"):
    boundary, body = _multipart(content, name)
    return client.post("/api/v1/objection-files", data=body, headers=headers,
                       content_type=f"multipart/form-data; boundary={boundary}")


def test_the_holder_objects_in_the_app_with_text_and_files(client, police, sign_in):
    headers, _, suspension, _ = suspended_driver(client, police)
    mine = client.get("/api/v1/suspensions", headers=headers).json["items"]
    assert [s["id"] for s in mine] == [suspension.id]
    assert mine[0]["state"] == "open" and mine[0]["category_name"] == "暴力犯罪"
    assert mine[0]["object_by"] == suspension.object_by.isoformat()

    png = upload_file(client, headers, PNG, "证明.png")
    pdf = upload_file(client, headers, PDF, "判决书.pdf")
    assert (png.status_code, pdf.status_code) == (201, 201)
    assert upload_file(client, headers, b"MZ\x90\x00 not a document", "x.png").status_code == 415

    response = client.post(f"/api/v1/suspensions/{suspension.id}/objection", headers=headers,
                           json={"text": TEXT, "files": [png.json["id"], pdf.json["id"]]})
    assert response.status_code == 200, response.json
    assert response.json["objection"] == TEXT and len(response.json["files"]) == 2
    assert [s["step"] for s in response.json["history"]] == ["alert", "suspended", "objected"]
    again = client.post(f"/api/v1/suspensions/{suspension.id}/objection", headers=headers,
                        json={"text": "再补充一点"})
    assert again.status_code == 409

    sign_in(Role.CLERK)
    page = client.get(f"/console/alerts/suspensions/{suspension.id}").get_data(as_text=True)
    assert TEXT in page and "证明.png" in page
    file_id = png.json["id"]
    assert client.get(f"/console/alerts/files/{file_id}").data == PNG


def test_nobody_else_sees_or_objects_to_a_suspension_and_files_are_not_shared(client, police):
    _, _, suspension, _ = suspended_driver(client, police)
    _, stranger = citizen_token(client, name="王路人")
    assert client.get(f"/api/v1/suspensions/{suspension.id}", headers=stranger).status_code == 404
    theirs = upload_file(client, stranger).json["id"]
    response = client.post(f"/api/v1/suspensions/{suspension.id}/objection", headers=stranger,
                           json={"text": "不是我", "files": [theirs]})
    assert response.status_code == 404


def test_an_objection_after_its_deadline_is_refused(client, police):
    headers, _, suspension, _ = suspended_driver(client, police)
    suspension.object_by = today() - dt.timedelta(days=3)
    db.session.commit()
    response = client.post(f"/api/v1/suspensions/{suspension.id}/objection", headers=headers,
                           json={"text": TEXT})
    assert response.status_code == 409 and "届满" in response.json["message"]


def test_a_clerk_revokes_with_reason_and_legal_basis_after_the_holder_was_heard(
        client, police, sign_in):
    headers, certificate, suspension, token = suspended_driver(client, police)
    sign_in(Role.CLERK)
    url = f"/console/alerts/suspensions/{suspension.id}"
    data = {"reason": "经核实存在暴力犯罪记录，不再符合从业条件", "legal_basis": "《网络预约出租汽车经营服务管理暂行办法》第三十六条"}
    early = console_post(client, f"{url}/revoke", data)
    assert "异议期" in client.get(early.headers["Location"]).get_data(as_text=True)
    assert db.session.get(Certificate, certificate.id).status == Status.SUSPENDED  # unheard

    client.post(f"/api/v1/suspensions/{suspension.id}/objection", headers=headers,
                json={"text": TEXT})
    console_post(client, f"{url}/revoke", data)

    db.session.expire_all()
    assert db.session.get(Certificate, certificate.id).status == Status.REVOKED
    assert verify_online(client, token)["reason"] == "revoked"
    page = client.get(url).get_data(as_text=True)
    assert data["reason"] in page and "第三十六条" in page
    mine = client.get(f"/api/v1/suspensions/{suspension.id}", headers=headers).json
    assert mine["state"] == "revoked" and mine["legal_basis"] == data["legal_basis"]
    assert mine["history"][-1]["step"] == "revoked" and data["reason"] in mine["history"][-1]["text"]
    told = client.get("/api/v1/messages", headers=headers).json["items"][0]
    assert told["kind"] == "alert.revoked" and data["reason"] in told["body"] \
        and "行政复议" in told["body"]
    assert console_post(client, f"{url}/reinstate", {"reason": "x"}).status_code == 302
    assert db.session.get(Certificate, certificate.id).status == Status.REVOKED  # decided once


def test_a_clerk_reinstates_the_same_certificate_without_a_gap(client, police, sign_in):
    headers, certificate, suspension, token = suspended_driver(client, police)
    number, version, register_id = certificate.number, certificate.version, certificate.id
    sign_in(Role.CLERK)
    console_post(client, f"/console/alerts/suspensions/{suspension.id}/reinstate",
                 {"reason": "经复核，预警记录与持证人无关"})

    db.session.expire_all()
    again = db.session.get(Certificate, register_id)
    assert (again.status, again.number, again.version) == (Status.VALID, number, version)
    assert verify_online(client, token)["valid"] is True  # the same paper verifies again
    history = [c.status for c in db.session.scalars(sa.select(StatusChange).where(
        StatusChange.certificate_id == register_id).order_by(StatusChange.id))]
    assert history == [Status.VALID, Status.SUSPENDED, Status.VALID]
    assert db.session.get(Alert, suspension.alert_id).dismissed_at is not None
    mine = client.get(f"/api/v1/suspensions/{suspension.id}", headers=headers).json
    assert mine["state"] == "reinstated" and mine["history"][-1]["step"] == "reinstated"
    assert client.get("/api/v1/messages", headers=headers).json["items"][0]["kind"] == \
        "alert.reinstated"
    renew(client, headers)  # the dismissed alert no longer fails the rules


def test_an_undecided_suspension_past_its_day_is_overdue_in_the_console(client, police, sign_in):
    _, _, suspension, _ = suspended_driver(client, police)
    sign_in(Role.CLERK)
    page = client.get("/console/alerts/").get_data(as_text=True)
    assert f"#{suspension.id}" in page and "已超期" not in page
    suspension.decide_by = today() - dt.timedelta(days=1)
    db.session.commit()
    page = client.get("/console/alerts/").get_data(as_text=True)
    assert "已超期 Overdue" in page and re.search(r"有 1 件暂停已超过决定期限", page)


def test_every_step_is_audited(client, police, sign_in):
    from backend.audit.models import AuditEntry

    headers, _, suspension, _ = suspended_driver(client, police)
    client.post(f"/api/v1/suspensions/{suspension.id}/objection", headers=headers,
                json={"text": TEXT})
    sign_in(Role.CLERK)
    console_post(client, f"/console/alerts/suspensions/{suspension.id}/reinstate",
                 {"reason": "复核无误"})
    actions = set(db.session.scalars(sa.select(AuditEntry.action)))
    assert {"alert.received", "suspension.opened", "certificate.suspended", "suspension.objected",
            "suspension.reinstated", "certificate.valid"} <= actions
    assert db.session.get(Suspension, suspension.id).state == State.REINSTATED


def test_objection_files_are_limited_in_size_and_type(client, police, app):
    headers, _, _, _ = suspended_driver(client, police)
    app.config["MATERIAL_MAX_BYTES"], saved = 1000, app.config["MATERIAL_MAX_BYTES"]
    try:
        assert upload_file(client, headers, PDF + b"0" * 1000, "big.pdf").status_code == 413
    finally:
        app.config["MATERIAL_MAX_BYTES"] = saved
    assert upload_file(client, headers, b"GIF89a" + b"\x00" * 20, "x.gif").status_code == 415
    assert upload_file(client, headers, b"", "empty.png").status_code == 422


def test_the_deadlines_are_working_days_as_configured(client, police, app):
    from backend.common.workdays import calendar
    from backend.licensing.operations import today

    app.config["ALERT_OBJECTION_WORKDAYS"], saved = 2, app.config["ALERT_OBJECTION_WORKDAYS"]
    try:
        _, _, suspension, _ = suspended_driver(client, police)
    finally:
        app.config["ALERT_OBJECTION_WORKDAYS"] = saved
    assert suspension.object_by == calendar().add(today(), 2)
    assert suspension.decide_by == calendar().add(today(), app.config["ALERT_DECISION_WORKDAYS"])
