"""Finding a person in the console: by ID number, name, plate, phone or part of a number, as
far as the role allows, every search audited; and what a clerk reads on an application."""

import sqlalchemy as sa

from backend.audit.models import AuditEntry
from backend.common.masking import mask_id_number
from backend.staff.models import Role
from tests.harness import post
from tests.mailing.conftest import queued_items
from tests.staff.conftest import apply, eligible_driver
from tests.vehicles.fleet import apply as apply_vehicle
from tests.vehicles.fleet import make_platform, make_vehicle, owner


def _searches(database) -> list[AuditEntry]:
    return list(database.session.scalars(sa.select(AuditEntry).where(
        AuditEntry.action == "console.search").order_by(AuditEntry.id)))


def test_a_clerk_finds_a_drivers_applications_by_id_number_name_phone_and_part_of_the_number(
        client, sign_in, database):
    driver = eligible_driver("林找到")
    number = apply(client, driver, name="林找到")
    other = apply(client, eligible_driver("王别人"), name="王别人")
    sign_in(Role.CLERK)
    for query in (driver, "林找到", number[-9:], number):
        page = client.get("/console/search", query_string={"q": query}).get_data(as_text=True)
        assert number in page, query
        if query != number[-9:]:
            assert other not in page, query
    by_phone = client.get("/console/search", query_string={"q": "13800000000"}).get_data(as_text=True)
    assert number in by_phone and other in by_phone  # (both gave that contact number)
    entries = _searches(database)
    assert [e.after["kind"] for e in entries] == ["id_number", "name", "number", "number", "phone"]
    assert entries[0].after["query"] == mask_id_number(driver)
    assert driver not in str([e.after for e in entries]) and "林找到" not in str([e.after for e in entries])
    assert all(e.actor.startswith("staff:") for e in entries)


def test_a_clerk_finds_a_vehicles_certificate_by_its_plate(client, sign_in, database):
    number, headers = owner(client)
    plate = make_vehicle(number)
    issued = apply_vehicle(client, headers, plate=plate, platform=make_platform()).json
    sign_in(Role.CLERK)
    page = client.get("/console/search", query_string={"q": plate[:3] + "·" + plate[3:]}).get_data(as_text=True)
    assert issued["number"] in page and "闽交运管许可厦字350200" in page and plate in page


def test_the_mailroom_searches_mailing_items_only_and_an_examiner_applications_only(
        client, sign_in, database):
    (item,) = queued_items(1)
    sign_in(Role.MAILROOM)
    page = client.get("/console/search", query_string={"q": "林一远"}).get_data(as_text=True)
    assert f'/console/mailing/items/{item.id}"' in page and "办件 <small>Applications" not in page
    sign_in(Role.EXAMINER)
    page = client.get("/console/search", query_string={"q": "林一远"}).get_data(as_text=True)
    assert "邮件 <small>Mailing items" not in page and "证件 <small>Certificates" not in page
    assert [e.after["scopes"] for e in _searches(database)] == [["mailing"], ["applications"]]


def test_a_search_the_role_may_not_make_is_403_and_a_bad_query_says_why(client, sign_in, database):
    sign_in(Role.AGENT)
    assert client.get("/console/search", query_string={"q": "林一远"}).status_code == 403
    sign_in(Role.CLERK)
    page = client.get("/console/search", query_string={"q": "350203199001010000"}).get_data(as_text=True)
    assert "身份证号码有误" in page
    page = client.get("/console/search", query_string={"q": "<>"}).get_data(as_text=True)
    assert "请输入身份证号码、姓名、车牌号码" in page
    assert _searches(database) == []


def test_a_404_and_a_403_keep_the_console_navigation(client, sign_in):
    sign_in(Role.CLERK)
    missing = client.get("/console/applications/XM-WYC-20990101-000001")
    assert missing.status_code == 404
    page = missing.get_data(as_text=True)
    assert "未找到办件" in page and "窗口受理" in page and 'role="search"' in page
    forbidden = client.get("/console/mailing/")
    assert forbidden.status_code == 403
    assert "您没有办理此操作的权限" in forbidden.get_data(as_text=True)
    assert "待审核" in forbidden.get_data(as_text=True)


def test_the_full_id_number_is_shown_only_on_request_and_audited(client, sign_in, database):
    driver = eligible_driver()
    number = apply(client, driver)
    sign_in(Role.CLERK)
    page = client.get(f"/console/applications/{number}").get_data(as_text=True)
    assert driver not in page and mask_id_number(driver) in page and "显示完整身份证号" in page
    shown = post(client, f"/console/applications/{number}/id-number").get_data(as_text=True)
    assert driver in shown
    entry = database.session.scalar(sa.select(AuditEntry).where(
        AuditEntry.action == "person.id_number_viewed"))
    assert entry.after["application"] == number and entry.actor.startswith("staff:")
    assert driver not in str(entry.after)


def test_an_application_shows_facts_as_fields_and_the_certificate_by_its_number(
        client, sign_in, database):
    number, headers = owner(client)
    plate = make_vehicle(number)
    issued = apply_vehicle(client, headers, plate=plate, platform=make_platform()).json
    cancel = apply_vehicle(client, headers, matter="vehicle-permit-cancel", plate=plate).json
    sign_in(Role.CLERK)
    page = client.get(f"/console/applications/{issued['number']}").get_data(as_text=True)
    assert "初次登记 First registered" in page and "动力类型 Power type" in page
    assert "纯电动 BEV" in page and "预约出租客运 reserved_taxi" in page  # (codes by their names)
    assert '"first_registered_on"' not in page and "{" not in page.split("<main")[1].split("</main>")[0]
    assert "<strong>车龄</strong>" in page
    cancel_page = client.get(f"/console/applications/{cancel['number']}").get_data(as_text=True)
    assert "闽交运管许可厦字350200" in cancel_page and "原证件 Certificate" in cancel_page
    assert "(id)" not in cancel_page
