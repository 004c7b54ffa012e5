"""The mailing room in the console: mailroom and admin only; print, dispatch, return, import."""

from __future__ import annotations

import io

import pytest
import sqlalchemy as sa

from backend.db import db
from backend.staff.models import Role
from tests.harness import csrf_token, post
from tests.mailing.conftest import queued_items

PAGES = ["/console/mailing/", "/console/mailing/items/1", "/console/mailing/batches/MB-1"]


@pytest.mark.parametrize("role", [Role.CLERK, Role.EXAMINER])
def test_other_roles_get_403(client, sign_in, role):
    sign_in(role)

    for path in PAGES:
        assert client.get(path).status_code == 403
    assert post(client, "/console/mailing/batches").status_code == 403


def test_signed_out_is_sent_to_sign_in(client, database):
    response = client.get("/console/mailing/")

    assert response.status_code == 302 and "/console/login" in response.headers["Location"]


@pytest.mark.parametrize("role", [Role.MAILROOM, Role.ADMIN])
def test_mailroom_and_admin_see_the_queue(client, sign_in, role):
    queued_items(2)
    sign_in(role)

    page = client.get("/console/mailing/").get_data(as_text=True)

    assert "2 件待打印" in page and "林志远" in page


def test_printing_a_batch_marks_the_items_and_the_pdf_reprints_them(client, sign_in):
    items = queued_items(3)
    sign_in(Role.MAILROOM)

    response = post(client, "/console/mailing/batches")

    assert response.status_code == 302
    batch_page = response.headers["Location"]
    db.session.expire_all()
    assert {i.status.value for i in items} == {"printed"}
    assert batch_page.endswith(f"/console/mailing/batches/{items[0].batch_id}")
    pdf = client.get(f"{batch_page}/pdf")
    assert pdf.status_code == 200 and pdf.mimetype == "application/pdf"
    assert pdf.get_data().startswith(b"%PDF")
    again = post(client, "/console/mailing/batches")
    assert again.status_code == 302 and again.headers["Location"].endswith("/console/mailing/")
    assert "没有可打印的邮件" in client.get("/console/mailing/").get_data(as_text=True)


def test_scanning_an_item_and_typing_its_tracking_number_dispatches_it(client, sign_in):
    sign_in(Role.MAILROOM)
    items = queued_items(1)
    post(client, "/console/mailing/batches")

    post(client, "/console/mailing/dispatch", {"item_id": items[0].id,
                                                "tracking_number": "SF1234567890"})

    db.session.expire_all()
    assert (items[0].status.value, items[0].tracking_number) == ("dispatched", "SF1234567890")


def test_a_refused_step_is_shown_and_changes_nothing(client, sign_in):
    sign_in(Role.MAILROOM)
    (item,) = queued_items(1)

    response = post(client, f"/console/mailing/items/{item.id}/deliver")
    page = client.get(response.headers["Location"]).get_data(as_text=True)

    assert "只有「已寄出」的邮件才能登记为「已签收」" in page
    db.session.expire_all()
    assert item.status.value == "queued"


def test_returned_item_is_queued_again_with_the_corrected_address(client, sign_in):
    sign_in(Role.MAILROOM)
    (item,) = queued_items(1)
    post(client, "/console/mailing/batches")
    post(client, f"/console/mailing/items/{item.id}/dispatch", {"tracking_number": "SF12345"})
    post(client, f"/console/mailing/items/{item.id}/return")

    page = client.get(f"/console/mailing/items/{item.id}").get_data(as_text=True)
    assert '<option value="350206">厦门市湖里区</option>' in page  # (picked by name)
    post(client, f"/console/mailing/items/{item.id}/requeue", {
        "return_reason": "moved", "recipient": "林志远", "phone": "13800000001",
        "region_code": "350206", "detail": "湖里区金山路 9 号"})

    db.session.expire_all()
    assert item.status.value == "queued"
    assert (item.address["region_code"], item.address["phone"]) == ("350206", "13800000001")
    page = client.get(f"/console/mailing/items/{item.id}").get_data(as_text=True)
    assert "退回原因 Returned because: 收件人已搬迁" in page


def test_carrier_file_upload_refuses_a_bad_file_naming_the_line(client, sign_in):
    sign_in(Role.MAILROOM)
    (item,) = queued_items(1)
    content = f"item_id,tracking_number,status,at\n{item.id},EMS0001,delivered,\n".encode()

    response = client.post("/console/mailing/import", data={
        "csrf_token": csrf_token(client), "file": (io.BytesIO(content), "carrier.csv")},
        content_type="multipart/form-data")
    page = client.get(response.headers["Location"]).get_data(as_text=True)

    assert "第 2 行" in page and "Nothing was imported" in page
    db.session.expire_all()
    assert item.status.value == "queued"


def test_forms_without_the_csrf_token_are_refused(client, sign_in):
    sign_in(Role.MAILROOM)
    queued_items(1)

    response = client.post("/console/mailing/batches")

    assert response.status_code == 400


def test_a_requeue_to_a_region_code_that_does_not_exist_is_refused(client, sign_in):
    sign_in(Role.MAILROOM)
    (item,) = queued_items(1)
    post(client, "/console/mailing/batches")
    post(client, f"/console/mailing/items/{item.id}/dispatch", {"tracking_number": "SF12346"})
    post(client, f"/console/mailing/items/{item.id}/return")

    response = post(client, f"/console/mailing/items/{item.id}/requeue", {
        "return_reason": "address_unknown", "recipient": "林志远", "phone": "13800000001",
        "region_code": "other", "other_region_code": "999999", "detail": "湖里区金山路 9 号"})

    page = client.get(response.headers["Location"]).get_data(as_text=True)
    assert "没有这个行政区划代码" in page
    db.session.expire_all()
    assert item.status.value == "returned" and item.address["region_code"] == "350203"


def _returned(client, tracking: str):
    (item,) = queued_items(1)
    post(client, "/console/mailing/batches")
    post(client, f"/console/mailing/items/{item.id}/dispatch", {"tracking_number": tracking})
    post(client, f"/console/mailing/items/{item.id}/return")
    return item


def test_a_requeue_without_the_return_reason_changes_nothing(client, sign_in):
    sign_in(Role.MAILROOM)
    item = _returned(client, "SF12347")
    response = post(client, f"/console/mailing/items/{item.id}/requeue", {
        "recipient": "林志远", "phone": "13800000001", "region_code": "350206",
        "detail": "湖里区金山路 9 号"})
    assert "请选择退回原因" in client.get(response.headers["Location"]).get_data(as_text=True)
    db.session.expire_all()
    assert item.status.value == "returned"


def test_a_requeue_outside_fujian_takes_the_code(client, sign_in):
    sign_in(Role.MAILROOM)
    item = _returned(client, "SF12348")
    post(client, f"/console/mailing/items/{item.id}/requeue", {
        "return_reason": "moved", "recipient": "林志远", "phone": "13800000001",
        "region_code": "other", "other_region_code": "110105", "detail": "朝阳区建国路 1 号"})
    db.session.expire_all()
    assert (item.status.value, item.address["region_code"]) == ("queued", "110105")


def test_a_held_item_shows_why_is_not_counted_as_printable_and_can_be_withdrawn(client, sign_in):
    from backend.audit.models import AuditEntry
    from backend.certificates import operations as certificates
    from backend.certificates.models import Status

    sign_in(Role.MAILROOM)
    held, printable = queued_items(2)
    certificates.set_status(held.certificate, Status.CANCELLED, actor="test",
                            reason="持证人申请注销")
    db.session.commit()

    page = client.get("/console/mailing/").get_data(as_text=True)
    assert "待打印 <strong>1</strong>" in page and "暂缓 <strong>1</strong>" in page
    assert "证件已注销，寄出前已不在有效状态（持证人申请注销）" in page
    item_page = client.get(f"/console/mailing/items/{held.id}").get_data(as_text=True)
    assert "暂缓寄出" in item_page and "撤回" in item_page
    # The certificate by its number (a driver certificate's is the ID number: masked)
    from backend.common.masking import mask_id_number
    assert mask_id_number(held.certificate.number) in item_page
    assert held.certificate.number not in item_page

    refused = post(client, f"/console/mailing/items/{printable.id}/withdraw")
    assert "仍有效" in client.get(refused.headers["Location"]).get_data(as_text=True)
    post(client, f"/console/mailing/items/{held.id}/withdraw")
    db.session.expire_all()
    assert (held.status.value, printable.status.value) == ("withdrawn", "queued")
    entry = db.session.scalar(sa.select(AuditEntry).where(
        AuditEntry.action == "mailing.withdrawn", AuditEntry.object_id == str(held.id)))
    assert entry.actor.startswith("staff:") and "注销" in entry.after["withdrawn_because"]
    page = client.get("/console/mailing/").get_data(as_text=True)
    assert "暂缓 <strong>" not in page and "已撤回 <strong>1</strong>" in page
