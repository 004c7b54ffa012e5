"""Plate look-ups: the staff API and console page, the public API and the passenger's check on
the verification pages."""

from __future__ import annotations

import datetime as dt
from urllib.parse import quote

import pytest

from backend.certificates import operations as certificates
from backend.certificates.models import Status
from backend.db import db, utcnow
from backend.enforcement import operations
from backend.enforcement.classify import Classification
from backend.enforcement.messages import parse
from backend.enforcement.models import Result
from backend.platforms.models import Platform
from backend.staff.models import Role
from tests.credit.helpers import record
from tests.enforcement.helpers import message, transport_certificate


@pytest.fixture
def platform(database):
    platform = db.session.get(Platform, "lujiang-go")
    if platform is None:
        platform = Platform(code="lujiang-go", name="鹭江出行", uscc="91350200MA3123456J",
                            licence_number="闽交网约车0001号", company_id="3502DEMOLUJIANG",
                            licensed_from=dt.date(2026, 1, 1), valid_until=dt.date(2030, 12, 31),
                            status="valid")
        db.session.add(platform)
        db.session.flush()
    return platform


def url(prefix: str, plate: str) -> str:
    return f"{prefix}/{quote(plate)}"


def test_the_public_check_says_licensed_and_names_the_platform_and_nothing_else(client, platform):
    transport_certificate("闽DD40001", platform.code)
    answer = client.get(url("/api/v1/public/plates", "闽d·d40001"))
    assert answer.status_code == 200
    assert answer.json == {"plate": "闽DD40001", "licensed": True, "platform": "鹭江出行"}


def test_the_public_check_of_a_revoked_or_unknown_plate_is_not_licensed(client, platform):
    certificate = transport_certificate("闽DD40002", platform.code)
    certificates.set_status(certificate, Status.REVOKED, actor="test", reason="测试")
    for plate in ("闽DD40002", "闽DD49999"):
        assert client.get(url("/api/v1/public/plates", plate)).json == {
            "plate": plate, "licensed": False, "platform": None}


def test_a_malformed_plate_is_refused_in_chinese_and_english(client):
    answer = client.get(url("/api/v1/public/plates", "ABC"))
    assert answer.status_code == 422
    assert "车牌号码格式不正确" in answer.json["message"]
    assert "malformed" in answer.json["message_en"]


def test_staff_see_certificate_platform_blacklist_last_seen_and_the_open_alert(
        client, sign_in, platform, monkeypatch):
    record("veh.forged_certificate", "闽DD40003", "闽DD40003")  # (on the 黑名单 at once)
    certificate = transport_certificate("闽DD40003", platform.code)
    certificates.set_status(certificate, Status.SUSPENDED, actor="test", reason="公安推送 police")
    seen = utcnow() - dt.timedelta(minutes=5)
    read = parse(*message("闽DD40003", seen, camera="XMSTN-01"), utcnow())
    operations.record([(read, Classification(Result.SUSPECTED, blacklisted=True))], utcnow())
    sign_in(Role.OFFICER)
    answer = client.get(url("/api/v1/plates", "闽DD40003")).json
    assert (answer["licensed"], answer["status"], answer["blacklisted"]) == (
        False, "suspended", True)
    assert answer["certificate"]["number"] == certificate.number
    assert answer["platform"] == {"code": "lujiang-go", "name": "鹭江出行"}
    assert answer["last_seen"]["camera"] == "XMSTN-01"
    assert dt.datetime.fromisoformat(answer["last_seen"]["at"]) == seen
    assert answer["open_alert"] is not None
    page = client.get("/console/enforcement/plates", query_string={"plate": "闽DD40003"})
    assert "黑名单 Blacklisted" in page.get_data(as_text=True)
    assert certificate.number in page.get_data(as_text=True)


def test_the_staff_look_up_is_for_signed_in_staff_only(client, sign_in):
    assert client.get(url("/api/v1/plates", "闽DD40004")).status_code == 401
    sign_in(Role.MAILROOM)
    assert client.get(url("/api/v1/plates", "闽DD40004")).status_code == 403


def test_the_short_address_and_the_verification_pages_lead_to_the_passengers_plate_check(
        client, platform):
    transport_certificate("闽DD40005", platform.code)
    moved = client.get("/plate-check", query_string={"plate": "闽DD40005"})
    assert moved.status_code == 301 and moved.headers["Location"].startswith("/h5/plate?plate=")
    page = client.get("/plate-check", query_string={"plate": "闽DD40005"}, follow_redirects=True)
    text = page.get_data(as_text=True)
    assert "是合规网约车" in text and "鹭江出行" in text
    assert "no-store" in page.headers["Cache-Control"]
    text = client.get("/plate-check", query_string={"plate": "闽DD49998"},
                      follow_redirects=True).get_data(as_text=True)
    assert "未查到有效的网约车运输证" in text and "12328" in text
    assert "车牌号码格式不正确" in client.get("/plate-check?plate=xyz",
                                       follow_redirects=True).get_data(as_text=True)
    assert "/h5/plate" in client.get("/v/not-a-token").get_data(as_text=True)
