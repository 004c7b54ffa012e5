"""The console (an officer records a behaviour with evidence, a clerk takes it off the list),
the public page of a platform, and the platform's signed feed."""

import secrets
import time
from io import BytesIO

from backend.credit import grades, lists
from backend.credit.catalogue import SubjectKind
from backend.credit.models import CreditRecord, Role
from backend.db import db
from backend.devices.keys import signature, string_to_sign
from backend.licensing.operations import today
from backend.staff.models import Role as StaffRole
from tests.credit.helpers import PDF, person, record
from tests.harness import csrf_token, post
from tests.supervision.platforms import licensed_platform, with_secret


def test_an_officer_records_a_behaviour_with_evidence_in_the_console(client, sign_in, database):
    sign_in(StaffRole.OFFICER)
    response = client.post("/console/credit/new", content_type="multipart/form-data", data={
        "csrf_token": csrf_token(client), "behaviour": "veh.unlicensed", "subject_key": "闽D·B7777",
        "subject_name": "白色轿车", "facts": "机场巡查发现该车未取得运输证，通过平台接单载客。",
        "decision_number": "厦交执罚〔2026〕088号", "occurred_on": today().isoformat(),
        "evidence": [(BytesIO(PDF), "现场笔录.pdf"), (BytesIO(PDF), "照片.pdf")]})
    assert response.status_code == 302, response.get_data(as_text=True)
    found = db.session.query(CreditRecord).one()
    assert found.subject_key == "闽DB7777" and len(found.evidence) == 2
    page = client.get(response.headers["Location"]).get_data(as_text=True)
    assert "厦交执罚〔2026〕088号" in page and "重点关注名单" in page and "现场笔录.pdf" in page
    download = client.get(f"/console/credit/records/{found.number}/evidence/{found.evidence[0].id}")
    assert download.status_code == 200 and download.data == PDF


def test_a_record_refused_in_the_console_keeps_nothing(client, sign_in, database):
    sign_in(StaffRole.OFFICER)
    response = client.post("/console/credit/new", content_type="multipart/form-data", data={
        "csrf_token": csrf_token(client), "behaviour": "veh.unlicensed", "subject_key": "闽D·B7778",
        "subject_name": "车", "facts": "未取得运输证从事经营。", "decision_number": "厦交执罚〔2026〕089号",
        "occurred_on": today().isoformat(), "evidence": [(BytesIO(b"MZ\x90\x00 an exe"), "x.pdf")]})
    assert response.status_code == 200  # the form again, filled in, with the refusal
    page = response.get_data(as_text=True)
    assert "只接受 PDF" in page and "未取得运输证从事经营。" in page
    assert db.session.query(CreditRecord).count() == 0


def test_a_clerk_accepts_a_correction_and_a_supervisor_may_not_record(client, sign_in, database):
    driver = person()
    found = record("drv.retaliation", driver.id_number, driver.name)
    db.session.commit()
    sign_in(StaffRole.CLERK)
    response = post(client, f"/console/credit/entries/{found.entries[0].id}/correction",
                    {"note": "已向乘客道歉并接受培训"})
    assert response.status_code == 302
    assert lists.entry_for("person", driver.id_number) is None
    sign_in(StaffRole.SUPERVISOR)
    assert client.get("/console/credit/new").status_code == 403
    assert client.get(f"/console/credit/records/{found.number}").status_code == 200


def test_the_public_page_shows_the_grade_and_records_without_personal_data(client, database):
    platform = licensed_platform()
    manager = person("欧阳娜娜")
    record("plat.pricing", platform.uscc, platform.name)
    record("mgr.personal_data", manager.id_number, manager.name, company_uscc=platform.uscc,
           role=Role.LEGAL_REPRESENTATIVE)
    grades.grade_everyone(grades.year(today().year), [SubjectKind.PLATFORM], actor="test")
    db.session.commit()
    page = client.get(f"/credit/platforms/{platform.code}").get_data(as_text=True)
    assert "未按规定明码标价" in page and "法定代表人" in page and "欧**娜" in page
    assert "欧阳娜娜" not in page and manager.id_number not in page
    assert f"{today().year} 年度" in page
    assert client.get("/credit/platforms/nosuch").status_code == 404


def signed_get(client, platform, secret, path="/ipc/v1/credit/records"):
    stamp, nonce = str(int(time.time())), secrets.token_hex(16)
    return client.get(path, headers={
        "X-Company-Id": platform.company_id, "X-Timestamp": stamp, "X-Nonce": nonce,
        "X-Signature": signature(secret, string_to_sign("GET", path, stamp, nonce, b""))})


def test_a_platform_reads_its_records_through_its_signed_feed(client, database):
    platform = licensed_platform()
    secret = with_secret(platform)
    found = record("plat.data_refused", platform.uscc, platform.name)
    record("drv.retaliation", person().id_number)  # not the platform's
    db.session.commit()
    response = signed_get(client, platform, secret)
    assert response.status_code == 200, response.json
    body = response.json
    assert body["listed"] == "watch" and [r["number"] for r in body["records"]] == [found.number]
    assert body["records"][0]["entries"][0]["list"] == "watch"
    assert client.get("/ipc/v1/credit/records").status_code == 401
    forged = signed_get(client, platform, "not-the-secret")
    assert forged.status_code == 401


def test_a_clerk_grades_as_of_today_and_reads_the_breakdown(client, sign_in, database):
    platform = licensed_platform()
    record("plat.vehicle_condition", platform.uscc, platform.name)
    db.session.commit()
    sign_in(StaffRole.CLERK)
    day = today().isoformat()
    response = post(client, "/console/credit/grades", {"period": day})
    assert response.status_code == 302
    listing = client.get(f"/console/credit/grades?period={day}").get_data(as_text=True)
    assert platform.name in listing
    [stored] = [g for g in db.session.query(grades.Grade).all() if g.subject_key == platform.uscc]
    page = client.get(f"/console/credit/grades/{stored.id}").get_data(as_text=True)
    assert "双合规率" in page and "无数据" in page and "plat.vehicle_condition" not in page
    assert "未按照规定保证车辆技术状况良好" in page and "−30" in page
    refused = post(client, "/console/credit/grades", {"period": "2026-13-40"})
    assert "日期无效" in client.get(refused.headers["Location"]).get_data(as_text=True)


def test_the_records_and_lists_pages_show_who_is_listed_with_their_number_masked(
        client, sign_in, database):
    driver = person("欧阳娜娜")
    found = record("drv.forged_certificate", driver.id_number, driver.name)
    db.session.commit()
    sign_in(StaffRole.OFFICER)
    for url in ("/console/credit/", "/console/credit/lists",
                f"/console/credit/?q={driver.id_number}"):
        page = client.get(url).get_data(as_text=True)
        assert found.number in page and "欧**娜" in page, url
        assert driver.id_number not in page.replace(f"q={driver.id_number}", "").replace(
            f'value="{driver.id_number}"', ""), url
    assert "黑名单" in client.get("/console/credit/lists").get_data(as_text=True)
