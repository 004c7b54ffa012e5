"""A suspended holder on the phone pages (H5): told on the home page, shown why and until when
on the suspension's page, able to object there with text and files in one form; refusals
change nothing; anybody else's suspension is 404. And a matter on a suspended certificate is
refused with what is going on, not with "you hold no certificate"."""

from __future__ import annotations

import datetime as dt
from io import BytesIO
from pathlib import Path

import sqlalchemy as sa

from backend.alerts.models import ObjectionFile
from backend.audit.models import AuditEntry
from backend.db import db
from backend.licensing.operations import today
from backend.notify.models import PersonMessage
from backend.staff.models import Role
from tests.alerts.test_due_process import suspended_driver
from tests.drivers.helpers import ADDRESS
from tests.factories import id_number
from tests.h5.test_pages import csrf, signed_in, text
from tests.harness import post as console_post
from tests.platforms.companies import PDF, PNG

TEXT = "该记录与本人无关，系同名人员。\n附法院判决书。"


def _object(client, suspension_id: int, text_: str = TEXT, files=(), token: str | None = None):
    data = {"text": text_, "files": [(BytesIO(content), name) for content, name in files],
            "csrf_token": token if token is not None else csrf(client, "/h5/certificates")}
    return client.post(f"/h5/suspensions/{suspension_id}/objection", data=data,
                       content_type="multipart/form-data")


def _holder_on_h5(client, police):
    headers, certificate, suspension, _ = suspended_driver(client, police, name="陈暂停")
    signed_in(client, certificate.holder.id_number, "陈暂停")
    return headers, certificate, suspension


def _nothing_kept(suspension, materials: Path, before: set) -> None:
    db.session.expire_all()
    assert suspension.objected_at is None and suspension.objection is None
    assert db.session.scalar(sa.select(sa.func.count()).select_from(ObjectionFile)) == 0
    assert set(materials.glob("objection-*")) == before


def test_the_holder_sees_the_suspension_and_objects_on_the_phone_pages(client, police, app):
    _, certificate, suspension = _holder_on_h5(client, police)

    home = text(client.get("/h5/home"))
    assert "您的网约车驾驶员证已暂停使用" in home and f"/h5/suspensions/{suspension.id}" in home
    assert f"{suspension.object_by} 前" in home
    listed = text(client.get("/h5/certificates"))
    assert "暂停与异议" in listed and "暴力犯罪" in listed and "待决定" in listed
    shown = text(client.get(f"/h5/certificates/{certificate.id}"))
    assert "查看暂停原因、提出异议" in shown and f"/h5/suspensions/{suspension.id}" in shown

    page = text(client.get(f"/h5/suspensions/{suspension.id}"))
    assert "公安机关预警：暴力犯罪" in page and "第三十六条" in page  # (what, and the basis)
    assert str(suspension.object_by) in page and str(suspension.decide_by) in page
    assert 'enctype="multipart/form-data"' in page and "提交异议" in page

    big = PNG + b"\0" * 400_000  # (over the pages' usual body limit: an upload may be larger)
    response = _object(client, suspension.id, files=[(big, "身份证明.png"), (PDF, "判决书.pdf")])
    assert response.status_code == 303, text(response)
    page = text(client.get(response.location))
    assert "已收到您的异议" in page and "系同名人员" in page and "判决书.pdf" in page
    assert "提交异议" not in page and "本人提出异议（附件 2 个）" in page

    db.session.expire_all()
    assert suspension.objection == TEXT and len(suspension.files) == 2
    assert sorted(f.filename for f in suspension.files) == ["判决书.pdf", "身份证明.png"]
    assert db.session.scalar(sa.select(AuditEntry).where(AuditEntry.action == "suspension.objected"))
    assert db.session.scalar(sa.select(PersonMessage).where(PersonMessage.kind == "alert.objected"))

    again = _object(client, suspension.id, "再补充一点")
    assert again.status_code == 409 and "已提交过异议" in text(again)


def test_a_refused_objection_keeps_nothing_and_says_why(client, police, app):
    _, _, suspension = _holder_on_h5(client, police)
    materials = Path(app.config["MATERIALS_DIR"])
    materials.mkdir(parents=True, exist_ok=True)
    before = set(materials.glob("objection-*"))

    empty = _object(client, suspension.id, "  ", files=[(PNG, "a.png")])
    assert empty.status_code == 422 and 'aria-invalid="true"' in text(empty)
    _nothing_kept(suspension, materials, before)

    not_a_document = _object(client, suspension.id, files=[(PNG, "a.png"),
                                                          (b"PK\x03\x04 docx", "陈述.docx")])
    assert not_a_document.status_code == 415
    assert "“陈述.docx”" in text(not_a_document) and "PDF、JPEG 或 PNG" in text(not_a_document)
    assert TEXT.split("\n")[0] in text(not_a_document)  # (what was typed is kept on the page)
    _nothing_kept(suspension, materials, before)

    too_many = _object(client, suspension.id, files=[(PNG, f"{n}.png") for n in range(11)])
    assert too_many.status_code == 422 and "最多可附 10 个文件" in text(too_many)
    _nothing_kept(suspension, materials, before)

    app.config["MATERIAL_MAX_BYTES"], saved = 1000, app.config["MATERIAL_MAX_BYTES"]
    try:
        too_large = _object(client, suspension.id, files=[(PNG + b"\0" * 2000, "大图.png")])
    finally:
        app.config["MATERIAL_MAX_BYTES"] = saved
    assert too_large.status_code == 413 and "“大图.png”" in text(too_large)
    _nothing_kept(suspension, materials, before)

    # More than ten files' worth in all, as the request declares it: refused before it is read.
    whole = client.post(f"/h5/suspensions/{suspension.id}/objection", data={"text": TEXT},
                        environ_overrides={"CONTENT_LENGTH": str(200 * 1024 * 1024)})
    assert whole.status_code == 413 and "所附文件合计超过" in text(whole)
    assert "提交异议" in text(whole)  # (on the suspension's page, the form there to try again)
    _nothing_kept(suspension, materials, before)

    forged = _object(client, suspension.id, files=[(PNG, "a.png")], token="not-the-token")
    assert forged.status_code == 400
    _nothing_kept(suspension, materials, before)


def test_past_its_deadline_the_page_says_so_and_takes_no_objection(client, police, app):
    _, _, suspension = _holder_on_h5(client, police)
    suspension.object_by = today() - dt.timedelta(days=2)
    db.session.commit()
    page = text(client.get(f"/h5/suspensions/{suspension.id}"))
    assert f"异议期限已于 {suspension.object_by} 届满" in page and "提交异议" not in page
    response = _object(client, suspension.id, files=[(PNG, "a.png")])
    assert response.status_code == 409
    db.session.expire_all()
    assert suspension.objected_at is None
    assert db.session.scalar(sa.select(sa.func.count()).select_from(ObjectionFile)) == 0


def test_somebody_elses_suspension_is_404_on_the_pages(client, police):
    _, _, suspension, _ = suspended_driver(client, police)
    signed_in(client, id_number(), "王路人")
    assert client.get(f"/h5/suspensions/{suspension.id}").status_code == 404
    assert _object(client, suspension.id, files=[(PNG, "a.png")]).status_code == 404
    db.session.expire_all()
    assert suspension.objected_at is None
    assert "暂停与异议" not in text(client.get("/h5/certificates"))


def test_a_matter_on_a_suspended_certificate_says_it_is_suspended(client, police):
    headers, _, _ = _holder_on_h5(client, police)
    for matter in ("driver-cert-renew", "driver-cert-cancel", "driver-cert-issue"):
        response = client.post("/api/v1/applications", headers=headers,
                               json={"matter": matter, "mailing_address": ADDRESS})
        assert response.status_code == 409, (matter, response.json)
        assert "已暂停使用" in response.json["message"] and "暂停与异议" in response.json["message"]
    home = text(client.get("/h5/home"))
    assert home.count("处理完毕前不能办理此事项") >= 3  # (each matter says why it is not offered)


def test_a_blank_objection_is_refused_in_the_api_too(client, police):
    headers, _, suspension, _ = suspended_driver(client, police)
    response = client.post(f"/api/v1/suspensions/{suspension.id}/objection", headers=headers,
                           json={"text": " \n\t "})
    assert response.status_code == 422 and "text" in response.json["errors"]["json"]
    db.session.expire_all()
    assert suspension.objected_at is None


def test_after_a_revocation_the_pages_show_the_decision_and_the_remedies(client, police,
                                                                         sign_in):
    _, certificate, suspension = _holder_on_h5(client, police)
    assert _object(client, suspension.id).status_code == 303
    sign_in(Role.CLERK)
    decision = {"reason": "经核实存在暴力犯罪记录，不再符合从业条件",
                "legal_basis": "《网络预约出租汽车经营服务管理暂行办法》第三十六条"}
    console_post(client, f"/console/alerts/suspensions/{suspension.id}/revoke", decision)
    signed_in(client, certificate.holder.id_number, "陈暂停")

    assert "已暂停使用" not in text(client.get("/h5/home"))  # (decided: nothing to object to)
    shown = text(client.get(f"/h5/certificates/{certificate.id}"))
    assert "查看吊销决定" in shown and f"/h5/suspensions/{suspension.id}" in shown
    page = text(client.get(f"/h5/suspensions/{suspension.id}"))
    assert "已吊销" in page and decision["reason"] in page and "行政复议" in page
    assert "系同名人员" in page and "提交异议" not in page  # (the objection, heard; no form)
