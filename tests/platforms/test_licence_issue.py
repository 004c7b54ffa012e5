"""platform-licence-issue end to end: apply → checks → the clerk's offline review → the
province → the city's decision → the licence, and every way it can be refused."""

import datetime as dt

import pytest

from backend.certificates.models import Certificate, Kind, Status
from backend.db import db
from backend.licensing import operations as licensing
from backend.licensing.models import State
from backend.mailing.models import MailingItem
from backend.platforms.models import Platform
from backend.staff.models import Role
from tests.harness import post
from tests.platforms.companies import apply as apply_for_licence
from tests.platforms.companies import company, upload_all


def clerk_approves(number: str, reason: str = "材料齐全，符合要求") -> None:
    licensing.decide(licensing.by_number(number), approve=True, reason=reason,
                     actor="staff:clerk")
    db.session.commit()  # (as the clerk's request would: a later failed request rolls back)


def steps(client, the, number) -> dict:
    detail = client.get(f"/api/v1/applications/{number}", headers=the.headers).json
    return {s["step"]: s for s in detail["progress"]["steps"]}


def to_the_province(client, the) -> str:
    response = apply_for_licence(client, the)
    assert response.status_code == 201, response.json
    number = response.json["number"]
    clerk_approves(number)
    assert licensing.by_number(number).state == State.AWAITING_PROVINCE
    return number


def province_answers(client, sign_in, number, result, reasons=""):
    sign_in(Role.PROVINCE)
    page = client.get("/console/province").get_data(as_text=True)
    assert number in page
    request_id = _request_id(number)
    return post(client, f"/console/province/{request_id}", {"result": result, "reasons": reasons})


def _request_id(number):
    from backend.platforms.operations import case_of

    return case_of(licensing.by_number(number)).province_request_id


def test_granted_the_licence_is_issued_registered_and_mailed(client, database, sign_in):
    the = company(client)
    response = apply_for_licence(client, the)
    assert response.status_code == 201
    body = response.json
    assert body["status"] == "awaiting_review"
    assert {c["rule"]: c["outcome"] for c in body["checks"]} == {
        "plat.registered": "pass", "plat.legal_person": "pass", "plat.scope": "pass",
        "plat.legal_representative": "pass", "plat.blacklist": "pass"}
    assert [s["status"] for s in body["progress"]["steps"]] == ["done", "current", "pending",
                                                                 "pending"]
    assert body["deadline"]["working_days"] == 20 and body["deadline"]["overdue"] is False
    number = body["number"]

    clerk_approves(number)
    now = steps(client, the, number)
    assert now["offline_review"]["status"] == "done" and now["province"]["status"] == "current"
    assert client.get(f"/api/v1/applications/{number}",
                      headers=the.headers).json["status"] == "awaiting_province"

    assert province_answers(client, sign_in, number, "certified").status_code == 302
    now = steps(client, the, number)
    assert now["province"]["result"] == "certified" and now["decision"]["status"] == "current"
    assert licensing.by_number(number).state == State.AWAITING_REVIEW

    clerk_approves(number, "线上线下服务能力均符合条件，准予许可")
    application = licensing.by_number(number)
    assert application.state == State.ISSUED
    licence = database.session.get(Certificate, application.certificate_id)
    assert (licence.kind, licence.status) == (Kind.PLATFORM, Status.VALID)
    assert licence.details["name"] == the.name
    assert licence.details["legal_representative"] == "王法人"
    assert licence.valid_until > licence.valid_from
    assert all(s["status"] == "done" for s in steps(client, the, number).values())
    # The platform register: what veh.platform_licensed and the data intake read.
    platform = database.session.get(Platform, the.uscc)
    assert (platform.licence_number, platform.status) == (licence.number, "valid")
    assert platform.licensed_from == licence.valid_from and platform.company_id is None
    assert the.uscc in [p["code"] for p in client.get("/api/v1/platforms").json["items"]]
    # The company sees and downloads its licence; it is queued for the post.
    mine = client.get("/api/v1/certificates", headers=the.headers).json["items"]
    assert [c["id"] for c in mine] == [licence.id]
    pdf = client.get(f"/api/v1/certificates/{licence.id}/pdf", headers=the.headers)
    assert pdf.status_code == 200 and pdf.data.startswith(b"%PDF")
    assert database.session.query(MailingItem).filter_by(certificate_id=licence.id).count() == 1


def test_the_licence_verifies_by_its_qr_token(client, database, sign_in):
    from backend.certificates.operations import signed_token

    the = company(client)
    number = to_the_province(client, the)
    province_answers(client, sign_in, number, "certified")
    clerk_approves(number)
    licence = database.session.get(Certificate, licensing.by_number(number).certificate_id)
    answer = client.get(f"/api/v1/verify/{signed_token(licence)}").json
    assert answer["valid"] is True and answer["kind"] == "platform"
    assert answer["holder_masked"] == the.name  # (a company's name is not masked)


def test_a_vehicle_may_then_serve_the_newly_licensed_platform(client, database, sign_in):
    from tests.vehicles.fleet import apply as apply_for_vehicle
    from tests.vehicles.fleet import make_vehicle, owner

    the = company(client)
    number = to_the_province(client, the)
    province_answers(client, sign_in, number, "certified")
    clerk_approves(number)
    id_number, headers = owner(client)
    response = apply_for_vehicle(client, headers, plate=make_vehicle(id_number), platform=the.uscc)
    checks = {c["rule"]: c["outcome"] for c in response.json["checks"]}
    assert checks["veh.platform_licensed"] == "pass"


def test_refused_by_the_province_the_city_must_refuse_with_the_reasons_and_appeal(
        client, sign_in):
    the = company(client)
    number = to_the_province(client, the)
    province_answers(client, sign_in, number, "not_certified", "服务器未设在境内\n未接入部级平台")
    now = steps(client, the, number)
    assert now["province"]["result"] == "not_certified"
    assert now["province"]["reasons"] == ["服务器未设在境内", "未接入部级平台"]
    from backend.errors import ApiError

    with pytest.raises(ApiError) as refused:
        clerk_approves(number)
    assert "省交通运输厅未认定" in refused.value.message
    licensing.decide(licensing.by_number(number), approve=False, actor="staff:clerk",
                     reason="省厅未认定线上服务能力：服务器未设在境内，不予许可")
    detail = client.get(f"/api/v1/applications/{number}", headers=the.headers).json
    assert detail["status"] == "rejected"
    assert "服务器未设在境内" in detail["history"][-1]["reason"]
    assert "行政复议" in detail["progress"]["appeal"] and "六个月" in detail["progress"]["appeal"]
    assert detail["progress"]["steps"][-1]["status"] == "refused"


def test_not_certified_without_reasons_is_refused_in_the_console(client, sign_in):
    the = company(client)
    number = to_the_province(client, the)
    response = province_answers(client, sign_in, number, "not_certified", "")
    assert response.status_code == 302
    assert licensing.by_number(number).state == State.AWAITING_PROVINCE
    assert "须写明理由" in client.get("/console/province").get_data(as_text=True)


def test_refused_by_the_city_after_the_offline_review(client):
    the = company(client)
    number = apply_for_licence(client, the).json["number"]
    licensing.decide(licensing.by_number(number), approve=False, actor="staff:clerk",
                     reason="线下服务机构负责人未提供劳动合同，不予许可")
    detail = client.get(f"/api/v1/applications/{number}", headers=the.headers).json
    assert detail["status"] == "rejected"
    assert [s["status"] for s in detail["progress"]["steps"]][:2] == ["done", "refused"]
    assert "行政诉讼" in detail["progress"]["appeal"]


@pytest.mark.parametrize(("overrides", "rule", "words"), [
    ({"status": "注销"}, "plat.registered", "注销"),
    ({"legal_person": False}, "plat.legal_person", "企业法人"),
    ({"business_scope": "软件开发；技术服务"}, "plat.scope", "经营范围"),
])
def test_the_register_refuses_at_once_with_the_reason(client, overrides, rule, words):
    the = company(client, **overrides)
    response = apply_for_licence(client, the)
    assert response.json["status"] == "rejected"
    failed = {c["rule"]: c["reason"] for c in response.json["checks"] if c["outcome"] == "fail"}
    assert words in failed[rule]
    assert "行政复议" in response.json["progress"]["appeal"]


def test_a_company_the_register_does_not_know_is_refused(client):
    the = company(client, registered=False)
    response = apply_for_licence(client, the)
    assert response.json["status"] == "rejected"
    assert "没有该统一社会信用代码的登记记录" in response.json["checks"][0]["reason"]


def test_a_wrong_legal_representative_fails_its_rule(client):
    from tests.factories import id_number

    the = company(client)
    the.representative_id = id_number()
    response = apply_for_licence(client, the)
    failed = {c["rule"] for c in response.json["checks"] if c["outcome"] == "fail"}
    assert failed == {"plat.legal_representative"}


def test_a_register_that_does_not_answer_sends_it_to_a_clerk_not_a_refusal(client, app):
    from tests.harness import Department

    the = company(client)
    department = Department(app, "company_registry")
    department.go_down()
    try:
        response = apply_for_licence(client, the)
    finally:
        department.come_back()
    assert response.json["status"] == "awaiting_review"
    # (the lists are the bureau's own and still answer: plat.blacklist passes)
    assert {c["outcome"] for c in response.json["checks"] if c["rule"] != "plat.blacklist"} == {"unknown"}


def test_missing_and_unknown_materials_are_listed_and_nothing_is_written(client, database):
    the = company(client)
    ids = upload_all(client, the, ("application_form",))
    response = apply_for_licence(client, the, materials={**ids, "photo_of_cat": ids["application_form"]})
    assert response.status_code == 422
    problems = response.json["errors"]["json"]["materials"]
    assert {"online_capability", "management_rules", "photo_of_cat"} <= set(problems)
    assert client.get("/api/v1/applications", headers=the.headers).json["total"] == 0


def test_another_company_s_material_cannot_be_named(client):
    the, other = company(client), company(client)
    theirs = upload_all(client, other)
    response = apply_for_licence(client, the, materials=theirs)
    assert response.status_code == 422
    assert set(response.json["errors"]["json"]["materials"]) == set(theirs)


def test_a_company_reading_another_company_s_application_gets_404(client):
    the, other = company(client), company(client)
    number = apply_for_licence(client, the).json["number"]
    assert client.get(f"/api/v1/applications/{number}", headers=other.headers).status_code == 404
    assert client.get("/api/v1/applications", headers=other.headers).json["total"] == 0
    # Nor does the person who acted for it see it as their own.
    from tests.factories import citizen_token

    assert client.get(f"/api/v1/applications/{number}",
                      headers=citizen_token(client)[1]).status_code == 404


def test_another_person_acting_for_the_same_company_sees_its_application(client):
    from tests.platforms.companies import sign_in as company_sign_in

    the = company(client)
    number = apply_for_licence(client, the).json["number"]
    colleague = company_sign_in(client, the.uscc, the.name)
    assert client.get(f"/api/v1/applications/{number}", headers=colleague).status_code == 200


def test_one_open_application_and_none_while_a_licence_is_held(client, sign_in):
    the = company(client)
    first = apply_for_licence(client, the).json["number"]
    again = apply_for_licence(client, the)
    assert again.status_code == 409 and again.json["application_number"] == first
    clerk_approves(first)
    province_answers(client, sign_in, first, "certified")
    clerk_approves(first)
    held = apply_for_licence(client, the)
    assert held.status_code == 409 and "已持有有效" in held.json["message"]


def test_an_overdue_application_stands_out_for_staff_and_the_applicant(client, database, sign_in):
    the = company(client)
    number = apply_for_licence(client, the).json["number"]
    application = licensing.by_number(number)
    application.created_at -= dt.timedelta(days=45)  # (20 working days: about four weeks)
    database.session.flush()
    detail = client.get(f"/api/v1/applications/{number}", headers=the.headers).json
    assert detail["deadline"]["overdue"] is True
    assert dt.date.fromisoformat(detail["deadline"]["due"]) < licensing.today()
    sign_in(Role.CLERK)
    page = client.get("/console/review").get_data(as_text=True)
    row = page[page.index(number):]
    assert "已超期" in row[:row.index("</tr>")]
    assert the.name in row[:row.index("</tr>")]  # (the company, and who acted for it)


def test_a_deadline_in_a_year_the_calendar_does_not_know_is_provisional(client, app):
    from backend.common.workdays import calendar

    the = company(client)
    detail = apply_for_licence(client, the).json
    due = dt.date.fromisoformat(detail["deadline"]["due"])
    with app.app_context():
        known = calendar().known(due)
    assert detail["deadline"]["provisional"] is (not known)


def test_the_deadline_skips_the_national_day_holidays(client, database):
    """Applied on Monday 28 September 2026: 20 working days run past the 国庆 holidays, which
    chinese-calendar knows for 2026, so the due day is later than weekends alone would make it."""
    import chinese_calendar

    the = company(client)
    number = apply_for_licence(client, the).json["number"]
    application = licensing.by_number(number)
    application.created_at = dt.datetime(2026, 9, 28, 2, 0, tzinfo=dt.UTC)
    database.session.flush()
    day, left = dt.date(2026, 9, 28), 20
    while left:
        day += dt.timedelta(days=1)
        left -= chinese_calendar.is_workday(day)
    deadline = client.get(f"/api/v1/applications/{number}", headers=the.headers).json["deadline"]
    assert deadline["due"] == day.isoformat() and deadline["provisional"] is False
    weekends_only = dt.date(2026, 10, 26)  # (the 20th weekday after 28 September)
    assert day > weekends_only
