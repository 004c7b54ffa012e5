"""The H5 pages through the test client, on SQLite and PostgreSQL: the handoff and its
refusals, the page session's end, the same refusals as the API shown on the page with nothing
written, another person's data 404, 好差评 and 12328, a company's pages, the public checks."""

from __future__ import annotations

import re

import pytest
import sqlalchemy as sa

from backend.db import db
from backend.identity.assertions import issue_dev_assertion
from backend.licensing.models import Application
from backend.ratings.models import ServiceRating
from tests.devices.kiosks import eligible_driver, holder_with_certificate
from tests.drivers.helpers import ADDRESS
from tests.factories import id_number
from tests.vehicles.fleet import make_platform

FORM_ADDRESS = {f"address_{key}": value for key, value in ADDRESS.items()}


def csrf(client, path: str = "/h5/plate") -> str:
    page = client.get(path).get_data(as_text=True)
    return re.search(r'name="csrf_token" value="([^"]+)"', page).group(1)


def post(client, path: str, data: dict | None = None):
    return client.post(path, data={**(data or {}), "csrf_token": csrf(client)})


def hand_over(client, number: str, name: str, **claims):
    return post(client, "/h5/session", {"assertion": issue_dev_assertion(number, name, **claims)})


def signed_in(client, number: str, name: str = "陈测试"):
    response = hand_over(client, number, name)
    assert response.status_code == 303, response.get_data(as_text=True)
    return client


def text(response) -> str:
    return response.get_data(as_text=True)


# -- the handoff ---------------------------------------------------------------------------------

def test_the_entry_page_is_small_and_loads_nothing_from_elsewhere(client):
    page = client.get("/h5/")
    html = text(page)
    assert page.status_code == 200 and '<html lang="zh-CN">' in html
    assets = re.findall(r'(?:src|href)="([^"#]+)"', html)
    assert all(asset.startswith("/") for asset in assets), assets  # no CDN, no web font
    sizes = [len(page.data)] + [_size(client, a) for a in assets if a.startswith("/static")]
    assert sum(sizes) < 100_000, sizes


def _size(client, path: str) -> int:
    with client.get(path) as response:  # (a static file: closed once read)
        return len(response.data)


def test_an_assertion_hands_the_page_over_to_the_person(client, database):
    number = id_number()
    response = hand_over(client, number, "陈交接")
    assert response.status_code == 303 and response.location.endswith("/h5/home")
    home = client.get("/h5/home")
    assert "您好，陈交接" in text(home) and number not in text(home)  # (masked)
    assert home.headers["Cache-Control"] == "private, no-store"


def test_a_forged_assertion_signs_nobody_in(client, database):
    token = issue_dev_assertion(id_number(), "陈伪造")
    forged = token[:-4] + ("AAAA" if not token.endswith("AAAA") else "BBBB")
    response = post(client, "/h5/session", {"assertion": forged})
    assert response.status_code == 401
    assert "请重新登录" in text(response) or "i厦门" in text(response)
    assert client.get("/h5/home").status_code == 302


def test_a_weaker_real_name_level_is_refused_with_what_to_do(client, database):
    response = hand_over(client, id_number(), "陈弱认证", rn_level="L2")
    assert response.status_code == 401
    assert "需要 L3" in text(response) and "刷脸实人认证" in text(response)
    assert client.get("/h5/home").status_code == 302


def test_the_handoff_needs_the_entry_pages_csrf_token(client, database):
    response = client.post("/h5/session", data={
        "assertion": issue_dev_assertion(id_number(), "陈跨站")})
    assert response.status_code == 400
    assert client.get("/h5/home").status_code == 302


def test_the_page_session_ends_and_says_so(client, database, app, monkeypatch):
    monkeypatch.setitem(app.config, "H5_SESSION_MINUTES", 0)
    signed_in(client, id_number())
    response = client.get("/h5/applications")
    assert response.status_code == 302 and "expired=1" in response.location
    assert "登录已过期" in text(client.get(response.location))


def test_signing_out_ends_the_session(client, database):
    signed_in(client, id_number())
    assert post(client, "/h5/sign-out").status_code == 303
    assert client.get("/h5/certificates").status_code == 302


def test_the_demo_page_is_there_in_development_only(client, database, app, monkeypatch):
    page = client.get("/h5/dev")
    assert page.status_code == 200 and "演示林持证" in text(page)
    monkeypatch.setitem(app.config, "IDP_MODE", "ixiamen")
    assert client.get("/h5/dev").status_code == 404
    assert post(client, "/h5/dev", {"name": "陈", "id_number": id_number()}).status_code == 404


def test_the_demo_page_refuses_an_invalid_id_number(client, database):
    response = post(client, "/h5/dev", {"name": "陈", "id_number": "350203199001010110"})
    assert response.status_code == 422 and "校验位" in text(response)


# -- applying ------------------------------------------------------------------------------------

def _applications() -> int:
    return db.session.scalar(sa.select(sa.func.count()).select_from(Application))


def test_a_refused_field_is_named_on_the_page_and_nothing_is_written(client, database):
    number = eligible_driver(client, name="陈地址")
    signed_in(client, number, "陈地址")
    before = _applications()
    response = post(client, "/h5/matters/driver-cert-issue", {
        "phone": "13800000000", **FORM_ADDRESS, "address_region_code": "999999"})
    assert response.status_code == 422
    html = text(response)
    assert 'id="address_region_code" name="address_region_code" required aria-invalid="true"' in html
    assert 'id="mailing_address-region_code-error"' in html
    assert 'value="思明区湖滨南路1号"' in html  # what was typed is kept
    assert _applications() == before


def test_pressing_apply_twice_gives_one_application(client, database):
    number = holder_with_certificate(client, name="林两次")
    signed_in(client, number, "林两次")
    form = {**FORM_ADDRESS, "intake": "ab" * 16}
    first = post(client, "/h5/matters/driver-cert-renew", form)
    second = post(client, "/h5/matters/driver-cert-renew", form)
    assert first.status_code == second.status_code == 303
    assert first.location == second.location


def test_an_open_application_is_named_when_applying_again(client, database):
    number = eligible_driver(client, name="陈再申")
    signed_in(client, number, "陈再申")
    body = {"phone": "13800000000", **FORM_ADDRESS}
    first = post(client, "/h5/matters/driver-cert-issue", body)
    again = post(client, "/h5/matters/driver-cert-issue", body)
    assert again.status_code == 409
    assert first.location.rsplit("/", 1)[1] in text(again)


def test_cancelling_asks_for_a_confirmation_first(client, database):
    number = holder_with_certificate(client, name="林注销")
    signed_in(client, number, "林注销")
    refused = post(client, "/h5/matters/driver-cert-cancel")
    assert refused.status_code == 422 and "请勾选确认" in text(refused)
    done = post(client, "/h5/matters/driver-cert-cancel", {"confirm": "yes"})
    assert done.status_code == 303
    assert "已批准" in text(client.get(done.location))


def test_a_matter_the_person_cannot_apply_for_says_why(client, database):
    signed_in(client, eligible_driver(client, name="陈无证"), "陈无证")
    page = client.get("/h5/matters/driver-cert-renew")
    assert "没有有效的网约车驾驶员证" in text(page) and "确认办理" not in text(page)


def test_another_persons_application_and_certificate_are_not_found(client, database):
    owner = holder_with_certificate(client, name="林本人")
    signed_in(client, owner, "林本人")
    mine = client.get("/h5/applications")
    number = re.search(r"XM-WYC-\d{8}-\d{6}", text(mine)).group(0)
    certificate_id = re.search(r"/h5/certificates/(\d+)", text(client.get("/h5/certificates"))).group(1)
    assert client.get(f"/h5/applications/{number}").status_code == 200

    signed_in(client, id_number(), "陈他人")
    assert client.get(f"/h5/applications/{number}").status_code == 404
    assert client.get(f"/h5/certificates/{certificate_id}").status_code == 404
    assert client.get(f"/h5/certificates/{certificate_id}/pdf").status_code == 404


def test_the_certificate_downloads_as_a_pdf(client, database):
    signed_in(client, holder_with_certificate(client, name="林下载"), "林下载")
    certificate_id = re.search(r"/h5/certificates/(\d+)", text(client.get("/h5/certificates"))).group(1)
    response = client.get(f"/h5/certificates/{certificate_id}/pdf")
    assert response.status_code == 200 and response.data.startswith(b"%PDF")
    assert response.headers["Cache-Control"] == "private, no-store"


# -- 好差评 and 12328 ---------------------------------------------------------------------------

def test_a_finished_application_is_rated_once(client, database):
    signed_in(client, holder_with_certificate(client, name="林评价"), "林评价")
    number = re.search(r"XM-WYC-\d{8}-\d{6}", text(client.get("/h5/applications"))).group(0)
    page = text(client.get(f"/h5/applications/{number}"))
    assert "请为本次服务评价" in page
    rated = post(client, f"/h5/applications/{number}/rating",
                 {"level": "2", "items": "efficiency", "comment": "等了很久"})
    assert rated.status_code == 303
    assert "不满意" in text(client.get(rated.location))
    assert db.session.scalar(sa.select(ServiceRating.level)) == 2
    again = post(client, f"/h5/applications/{number}/rating", {"level": "5"})
    assert again.status_code == 409 and "已经评价过" in text(again)
    listed = text(client.get("/h5/ratings"))
    assert number in listed and "差评整改期限" in listed


def test_a_complaint_filed_on_the_page_is_listed_with_its_deadline(client, database):
    signed_in(client, id_number(), "陈投诉")
    short = post(client, "/h5/tickets/new", {"kind": "complaint", "subject": "driver",
                                             "text": "太短"})
    assert short.status_code == 422 and 'id="text-error"' in text(short)
    filed = post(client, "/h5/tickets/new", {"kind": "complaint", "subject": "driver",
                                             "subject_ref": "闽D12345",
                                             "text": "司机绕路并拒绝开具发票。"})
    assert filed.status_code == 303
    listed = text(client.get(filed.location))
    assert "已受理" in listed and "司机绕路" in listed and "答复期限" in listed


# -- a company --------------------------------------------------------------------------------

def test_a_company_sees_its_own_pages_and_feed(client, database):
    uscc = "91350203MA31ABCD2Y"
    code = make_platform(uscc=uscc)
    response = hand_over(client, id_number(), "王法人", company=(uscc, "测试绿行公司"))
    assert response.status_code == 303
    home = text(client.get("/h5/home"))
    assert "测试绿行公司" in home and "企业办件" in home
    feed = text(client.get("/h5/company/feed"))
    assert code in feed and "尚未签发" in feed
    assert client.get("/h5/tickets").status_code == 403  # a person's own pages
    assert client.get("/h5/matters/driver-cert-issue").status_code == 403


def test_a_persons_sign_in_has_no_company_feed(client, database):
    signed_in(client, id_number())
    assert client.get("/h5/company/feed").status_code == 403


# -- public ----------------------------------------------------------------------------------

@pytest.mark.parametrize("typed", ["闽D", "ABC123", "闽D12345678"])
def test_a_malformed_plate_is_refused_with_an_example(client, database, typed):
    response = client.get("/h5/plate", query_string={"plate": typed})
    assert response.status_code == 422 and "例如 闽D12345" in text(response)


def test_an_unknown_plate_is_not_a_licensed_car(client, database):
    response = client.get("/h5/plate", query_string={"plate": "闽D00000"})
    assert response.status_code == 200 and "未查到有效的网约车运输证" in text(response)


def test_the_platform_list_shows_only_licences_in_force(client, database):
    live, lapsed = make_platform(), make_platform(valid_until="2020-01-01")
    page = text(client.get("/h5/platforms"))
    assert f"测试{live}网约车有限公司" in page and f"测试{lapsed}网约车有限公司" not in page


def test_the_pages_switch_to_english(client, database):
    response = post(client, "/h5/language", {"to": "en", "back": "/h5/plate"})
    assert response.status_code == 303 and response.location.endswith("/h5/plate")
    page = text(client.get("/h5/plate"))
    assert '<html lang="en">' in page and "Check a car" in page


def test_the_reply_to_a_complaint_is_answered_with_my_view(client, database):
    from backend.hotline import operations as hotline

    signed_in(client, id_number(), "陈回访")
    filed = post(client, "/h5/tickets/new", {"kind": "complaint", "subject": "bureau",
                                             "text": "窗口办事指南与实际要求不一致。"})
    number = re.search(r"12328-\d{8}-\d{4,8}", text(client.get(filed.location))).group(0)
    ticket = hotline.by_number(number)
    hotline.handle(ticket, "已核实，指南已更新。", upheld=True, actor="staff:handler")
    hotline.reply(ticket, "办事指南已更正并公示，感谢监督。", actor="staff:agent")

    listed = text(client.get("/h5/tickets"))
    assert "办事指南已更正并公示" in listed and "答复是否解决了您的问题" in listed
    assert post(client, "/h5/tickets/12328-20260101-0001%00/call-back",
                {"satisfaction": "satisfied"}).status_code == 404
    refused = post(client, f"/h5/tickets/{number}/call-back", {"satisfaction": "maybe"})
    assert refused.status_code == 422
    answered = post(client, f"/h5/tickets/{number}/call-back", {"satisfaction": "satisfied"})
    assert answered.status_code == 303
    assert ticket.state.value == "closed"
    assert "您的回访意见：满意" in text(client.get("/h5/tickets"))


def test_a_bad_review_put_right_asks_for_my_view(client, database):
    from backend.ratings import operations as ratings

    signed_in(client, holder_with_certificate(client, name="林差评"), "林差评")
    number = re.search(r"XM-WYC-\d{8}-\d{6}", text(client.get("/h5/applications"))).group(0)
    post(client, f"/h5/applications/{number}/rating", {"level": "1", "comment": "态度差"})
    rating = db.session.scalar(sa.select(ServiceRating))
    ratings.verify(rating.follow_up, "属实", True, actor="staff:handler")
    ratings.rectify(rating.follow_up, "已对窗口人员批评教育。", actor="staff:handler")

    page = text(client.get("/h5/ratings"))
    assert "已对窗口人员批评教育" in page and "您对处理结果是否满意" in page
    viewed = post(client, f"/h5/ratings/{rating.id}/view", {"satisfied": "true", "note": "好"})
    assert viewed.status_code == 303
    assert rating.follow_up.citizen_satisfied is True
    assert "您的意见：满意" in text(client.get("/h5/ratings"))
    signed_in(client, id_number(), "陈他人")
    assert post(client, f"/h5/ratings/{rating.id}/view", {"satisfied": "true"}).status_code == 404


def test_the_mailing_status_follows_the_post_with_its_tracking_number(client, database):
    from backend.mailing import operations as mailing

    signed_in(client, holder_with_certificate(client, name="林寄递"), "林寄递")
    number = re.search(r"XM-WYC-\d{8}-\d{6}", text(client.get("/h5/applications"))).group(0)
    assert "待打印" in text(client.get(f"/h5/applications/{number}"))
    application = db.session.scalar(sa.select(Application).where(Application.number == number))
    mailing.start_batch(actor="staff:mailroom")
    mailing.dispatch(application.mailing_items[-1], "SF1234567890", actor="staff:mailroom")

    page = text(client.get(f"/h5/applications/{number}"))
    assert "已寄出" in page and "SF1234567890" in page
    assert "已寄出" in text(client.get("/h5/applications"))


def test_a_company_lists_its_licence_and_applications(client, database):
    from tests.matters.test_every_matter import RECIPES, decide

    applicant = RECIPES["platform-licence-issue"].prepare(client)
    response = client.post("/api/v1/applications", headers=applicant.headers,
                           json={"matter": "platform-licence-issue", **applicant.body})
    decide(client, database, response.json["number"])
    token = applicant.headers["Authorization"].removeprefix("Bearer ")
    assert post(client, "/h5/session", {"assertion": token}).status_code == 303

    assert response.json["number"] in text(client.get("/h5/applications"))
    licences = text(client.get("/h5/certificates"))
    assert "网络预约出租汽车经营许可证" in licences and "有效" in licences


def test_a_new_handoff_replaces_the_person_signed_in_before(client, database):
    signed_in(client, id_number(), "陈先来")
    entry = text(client.get("/h5/"))
    assert 'id="handoff"' in entry and "您已登录：陈先来" in entry  # (no redirect: the
    signed_in(client, id_number(), "陈后到")  # fragment of the app's new assertion is kept)
    assert "您好，陈后到" in text(client.get("/h5/home"))
