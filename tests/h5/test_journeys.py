"""The main journeys on a phone (390 × 844) in headless Chromium: apply and get the decision,
renew, find and show the certificate and read its QR code off a screenshot with zbar, the
app's handoff, a passenger's plate check. Every page visited is checked with axe-core, and
screenshots are kept (``tests/h5/conftest.py``: ``ARTIFACTS``)."""

from __future__ import annotations

import datetime as dt

import pytest
import sqlalchemy as sa

from backend.alerts import operations as alerts
from backend.certificates import operations as certificates
from backend.certificates.models import Certificate, Kind
from backend.db import db
from backend.licensing.operations import today
from backend.matters.registry import handler_for
from tests.devices.kiosks import eligible_driver, holder_with_certificate
from tests.h5.conftest import CHROMIUM, assert_accessible, decode_qr, screenshot
from tests.platforms.companies import PNG
from tests.vehicles.fleet import ADDRESS as VEHICLE_ADDRESS
from tests.vehicles.fleet import make_platform, make_vehicle

pytestmark = [pytest.mark.browser,
              pytest.mark.skipif(not CHROMIUM.exists(), reason="needs Debian's chromium")]


def sign_in(page, backend, number: str, name: str) -> None:
    """Through the development page that stands in for the app (a plain form)."""
    page.goto(f"{backend.url}/h5/dev")
    page.fill("#dev-name", name)
    page.fill("#dev-id", number)
    page.click("form:has(#dev-name) button.primary")
    page.wait_for_url(f"{backend.url}/h5/home")


def fill_address(page) -> None:
    page.fill("#address_recipient", "陈收件")
    page.fill("#address_phone", "13800000000")
    page.select_option("#address_region_code", "350203")
    page.fill("#address_detail", "思明区湖滨南路1号")


def test_a_driver_applies_and_sees_each_checks_outcome_at_once(backend, phone):
    number = backend.run(lambda client: eligible_driver(client, name="陈申请"))
    sign_in(phone, backend, number, "陈申请")
    assert_accessible(phone)
    screenshot(phone, "01-home")

    phone.click("a:has-text('网约车驾驶员从业资格证核发')")
    assert_accessible(phone)
    phone.fill("#phone", "13800000000")
    fill_address(phone)
    screenshot(phone, "02-apply")
    phone.click("button:has-text('确认办理')")

    phone.wait_for_selector("#decision-title")
    assert "待考试" in phone.inner_text("#decision-title")
    assert "请按短信通知参加全国公共科目和区域科目考试" in phone.inner_text(".decision")
    rules = [r for r in handler_for("driver-cert-issue").rules if r != "drv.exam"]
    passed = phone.locator(".checks li:has(.outcome-pass)")
    assert passed.count() == len(rules) and phone.locator(".outcome-fail").count() == 0
    assert_accessible(phone)
    screenshot(phone, "03-decision")
    assert phone.refused == []


def test_a_refused_driver_reads_why_and_where_to_object(backend, phone):
    number = backend.run(lambda client: eligible_driver(
        client, name="周酒驾", police_records=[{"category": "drink_driving",
                                                "recorded_on": "2024-03-15"}]))
    sign_in(phone, backend, number, "周酒驾")
    phone.click("a:has-text('网约车驾驶员从业资格证核发')")
    phone.fill("#phone", "13800000000")
    fill_address(phone)
    phone.click("button:has-text('确认办理')")

    phone.wait_for_selector("#decision-title")
    assert "不予许可" in phone.inner_text("#decision-title")
    refused = phone.locator(".checks li:has(.outcome-fail)")
    assert refused.count() == 1 and "酒" in refused.inner_text()
    assert "行政复议" in phone.inner_text(".decision")
    assert_accessible(phone)

    phone.click("button:has-text('English')")  # the same decision, in English
    assert phone.get_attribute("html", "lang") == "en"
    assert "Rejected" in phone.inner_text("#decision-title")
    assert "administrative reconsideration" in phone.inner_text(".decision")
    assert_accessible(phone)
    screenshot(phone, "04-refused-en")


def test_a_holder_renews_then_shows_the_certificate_whose_qr_verifies(backend, phone):
    number = backend.run(lambda client: holder_with_certificate(client, name="林换证"))
    sign_in(phone, backend, number, "林换证")
    phone.click("a:has-text('网约车驾驶员从业资格证换发')")
    fill_address(phone)
    phone.click("button:has-text('确认办理')")
    phone.wait_for_selector("#decision-title")
    assert "已发证" in phone.inner_text("#decision-title")
    assert "待打印" in phone.inner_text("main")  # its way through the post has begun

    phone.click("a:has-text('查看电子证件')")
    phone.wait_for_selector("svg.qr")
    assert_accessible(phone)
    image = screenshot(phone, "05-certificate")
    box = phone.locator("svg.qr").bounding_box()
    assert box["width"] >= 300  # big enough to scan off the screen

    def newest():
        found = db.session.scalar(sa.select(Certificate).where(Certificate.kind == Kind.DRIVER)
                                  .where(Certificate.holder_name == "林换证")
                                  .order_by(Certificate.version.desc()).limit(1))
        return found.version, certificates.qr_text(found)

    version, expected = backend.run(lambda client: newest())
    assert version == 2
    assert decode_qr(image) == [expected]

    phone.goto(expected)  # what an inspector's phone opens
    assert "证件有效" in phone.inner_text(".verdict")
    assert_accessible(phone)
    screenshot(phone, "06-verified")


def test_the_certificate_list_finds_the_replaced_version_without_a_qr(backend, phone):
    number = backend.run(lambda client: holder_with_certificate(client, name="林旧证"))
    sign_in(phone, backend, number, "林旧证")
    phone.click("a:has-text('网约车驾驶员从业资格证换发')")
    fill_address(phone)
    phone.click("button:has-text('确认办理')")
    phone.wait_for_selector("#decision-title")

    phone.click("nav a:has-text('我的证照')")
    rows = phone.locator("ul.rows li")
    assert rows.count() == 2
    assert "已换发新证" in rows.nth(1).inner_text()
    rows.nth(1).locator("a").click()
    assert phone.locator("svg.qr").count() == 0
    assert "请使用新证件" in phone.inner_text(".certificate")
    assert_accessible(phone)


def test_the_app_hands_over_its_assertion_in_the_fragment_only(backend, phone):
    """The app opens the entry page with the assertion in the fragment; it replaces whoever
    was signed in, never reaches the server in an address, and the first pages are light."""
    number = backend.run(lambda client: eligible_driver(client, name="陈交接"))
    token = backend.run(lambda client: client.post("/dev/idp/token", json={
        "id_number": number, "name": "陈交接"}).json["access_token"])
    earlier = backend.run(lambda client: eligible_driver(client, name="陈先来"))
    sign_in(phone, backend, earlier, "陈先来")  # somebody else used the phone before
    sizes, paths = [], []

    def count(response):
        if response.url.startswith(backend.url):
            sizes.append(len(response.body()))
            paths.append(response.url)

    phone.on("response", count)
    phone.goto(f"{backend.url}/h5/#assertion={token}")
    phone.wait_for_url(f"{backend.url}/h5/home")
    assert "陈交接" in phone.inner_text("h1")
    assert all(token not in path for path in paths)  # the server never saw it in an address
    assert token not in phone.evaluate("window.location.href + document.referrer")
    assert sum(sizes) < 100_000, (sum(sizes), paths)  # entry + handoff + home, with CSS and JS
    assert phone.refused == []


def test_a_passenger_checks_a_plate_without_signing_in(backend, phone):
    def licensed_car(client):
        owner = eligible_driver(client, name="陈车主")
        plate, code = make_vehicle(owner), make_platform()
        from tests.factories import citizen_token

        headers = citizen_token(client, owner, "陈车主")[1]
        response = client.post("/api/v1/applications", headers=headers, json={
            "matter": "vehicle-permit-issue", "plate": plate, "platform": code,
            "mailing_address": VEHICLE_ADDRESS})
        assert response.json["status"] == "issued", response.json
        return plate, code

    plate, code = backend.run(licensed_car)
    phone.goto(f"{backend.url}/h5/plate")
    assert_accessible(phone)
    phone.fill("#plate", f"{plate[:2]}·{plate[2:].lower()}")  # as people type it
    phone.click("button:has-text('查询')")
    verdict = phone.inner_text(".verdict")
    assert "是合规网约车" in verdict and f"测试{code}网约车有限公司" in verdict
    assert "陈车主" not in phone.content()
    assert_accessible(phone)
    screenshot(phone, "07-plate")

    phone.fill("#plate", "闽D99999")
    phone.click("button:has-text('查询')")
    assert "未查到有效的网约车运输证" in phone.inner_text(".verdict")

    phone.click("a:has-text('持证平台')")
    assert f"测试{code}网约车有限公司" in phone.inner_text("main")
    assert_accessible(phone)


def test_the_apply_form_works_without_javascript(backend, chromium):
    number = backend.run(lambda client: holder_with_certificate(client, name="林无脚本"))
    context = chromium.new_context(viewport={"width": 390, "height": 844},
                                   java_script_enabled=False)
    page = context.new_page()
    try:
        sign_in(page, backend, number, "林无脚本")
        page.click("a:has-text('网约车驾驶员从业资格证补发')")
        page.check("input[name=reason][value=lost]")
        fill_address(page)
        page.click("button:has-text('确认办理')")
        page.wait_for_selector("#decision-title")
        assert "已发证" in page.inner_text("#decision-title")
    finally:
        context.close()



def test_every_other_page_passes_axe(backend, phone):
    """The pages the journeys above do not open, each checked as it first shows."""
    number = backend.run(lambda client: holder_with_certificate(client, name="林检查"))

    phone.goto(f"{backend.url}/h5/")
    assert_accessible(phone)
    phone.goto(f"{backend.url}/h5/dev")
    assert_accessible(phone)
    sign_in(phone, backend, number, "林检查")
    for path in ("/h5/applications", "/h5/certificates", "/h5/tickets", "/h5/tickets/new",
                 "/h5/ratings", "/h5/matters/driver-cert-change",
                 "/h5/matters/vehicle-cert-reissue"):
        phone.goto(f"{backend.url}{path}")
        assert_accessible(phone)
    phone.click("button:has-text('English')")
    assert_accessible(phone)
    screenshot(phone, "08-reissue-form-en")
    phone.goto(f"{backend.url}/h5/tickets/new")
    phone.fill("#text", "短")
    phone.click("button:has-text('Send')")
    assert phone.get_attribute("#text", "aria-invalid") == "true"
    assert_accessible(phone)  # a refused form, with its messages


def test_a_companys_pages_pass_axe(backend, phone):
    from tests.platforms.companies import new_uscc

    uscc = new_uscc()
    code = backend.run(lambda client: make_platform(uscc=uscc))
    phone.goto(f"{backend.url}/h5/dev")
    phone.fill("#dev-name", "王法人")
    phone.fill("#dev-id", "350203198001015017")
    phone.fill("#dev-uscc", uscc)
    phone.fill("#dev-company", "测试约车科技有限公司")
    phone.click("form:has(#dev-name) button.primary")
    phone.wait_for_url(f"{backend.url}/h5/home")
    assert "测试约车科技有限公司" in phone.inner_text("h1")
    assert_accessible(phone)
    phone.click("nav a:has-text('数据接入')")
    assert code in phone.inner_text("main")
    assert_accessible(phone)
    screenshot(phone, "09-company-feed")
    phone.click("nav a:has-text('许可证')")
    assert_accessible(phone)


def test_a_suspended_holder_reads_why_and_objects_with_a_file(backend, phone, tmp_path):
    number = backend.run(lambda client: holder_with_certificate(client, name="冯暂停"))
    backend.run(lambda client: alerts.receive(
        reference="GA-H5-JOURNEY", id_number=number, category="drug_use",
        recorded_on=today() - dt.timedelta(days=3), detail="比对命中", source="police",
        actor="police-system"))
    proof = tmp_path / "检测报告.png"
    proof.write_bytes(PNG)

    sign_in(phone, backend, number, "冯暂停")
    assert "已暂停使用" in phone.inner_text("[role=alert]")
    assert_accessible(phone)
    phone.click("[role=alert] a")
    phone.wait_for_selector("#objection-title")
    assert "吸毒" in phone.inner_text("dl.facts") and "异议期限" in phone.inner_text("dl.facts")
    assert_accessible(phone)
    screenshot(phone, "11-suspension")

    phone.fill("#text", "本人从未吸毒，附医院检测报告。")
    phone.set_input_files("#files", str(proof))
    phone.click("button:has-text('提交异议')")
    phone.wait_for_selector(".flash.ok")
    assert "已收到您的异议" in phone.inner_text(".flash.ok")
    assert "检测报告.png" in phone.inner_text("#objection")
    assert phone.locator("#objection form").count() == 0
    assert_accessible(phone)
    screenshot(phone, "12-suspension-objected")
    assert phone.refused == []
