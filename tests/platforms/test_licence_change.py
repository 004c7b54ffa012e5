"""platform-licence-change: each change checked against the market-regulation register, then
decided by a clerk on the spot; a new version of the licence replaces the old one."""

import json

import pytest

from backend.certificates.models import Certificate, Status
from backend.db import db
from backend.licensing import operations as licensing
from backend.licensing.models import State
from backend.platforms.models import Platform
from backend.staff.models import Role
from backend.verification.imports import import_file
from tests.harness import post
from tests.platforms.companies import ADDRESS, company, upload_all
from tests.platforms.companies import apply as apply_for_licence
from tests.platforms.companies import sign_in as company_sign_in


@pytest.fixture
def licensed(client, database):
    """A company holding a licence: (company, licence)."""
    from backend.platforms.models import ProvinceResult
    from backend.platforms.operations import case_of
    from backend.platforms.province import record_result

    the = company(client)
    number = apply_for_licence(client, the).json["number"]
    decide = lambda: licensing.decide(licensing.by_number(number), approve=True,  # noqa: E731
                                      reason="符合条件", actor="staff:clerk")
    decide()
    record_result(case_of(licensing.by_number(number)), ProvinceResult.CERTIFIED, [],
                  reference=None, actor="staff:province")
    decide()
    db.session.commit()
    application = licensing.by_number(number)
    return the, database.session.get(Certificate, application.certificate_id)


def reregister(the, **changes):
    record = {"uscc": the.uscc, "name": the.name, "legal_representative": the.representative,
              "legal_representative_id_number": the.representative_id, "legal_person": True,
              "status": "存续", "business_scope": "网络预约出租汽车经营服务",
              "address": "厦门市思明区软件园二期望海路1号", **changes}
    import_file("company_registry", [json.dumps(record, ensure_ascii=False)])


def change(client, the, headers=None, **changes):
    return client.post("/api/v1/applications", headers=headers or the.headers, json={
        "matter": "platform-licence-change", "changes": changes, "mailing_address": ADDRESS,
        "materials": upload_all(client, the, ("change_application",))})


def test_a_registered_change_of_name_is_a_new_version_replacing_the_old(client, database,
                                                                          licensed, sign_in):
    the, old = licensed
    reregister(the, name="厦门新名出行科技有限公司", address="厦门市湖里区云顶北路1号")
    headers = company_sign_in(client, the.uscc, "厦门新名出行科技有限公司")
    the.headers = headers
    response = change(client, the, name="厦门新名出行科技有限公司",
                      address="厦门市湖里区云顶北路1号",
                      service_locations=["厦门市湖里区云顶北路1号", "厦门市集美区杏林湾路2号"])
    assert response.status_code == 201, response.json
    assert response.json["status"] == "awaiting_review"
    assert "窗口" in response.json["history"][-1]["reason"]
    number = response.json["number"]
    sign_in(Role.CLERK)
    assert post(client, f"/console/applications/{number}/decision",
                {"decision": "approve", "reason": "与营业执照一致，当场办结"}).status_code == 302
    application = licensing.by_number(number)
    assert application.state == State.ISSUED
    new = database.session.get(Certificate, application.certificate_id)
    assert (new.number, new.version) == (old.number, old.version + 1)
    assert (new.valid_from, new.valid_until) == (old.valid_from, old.valid_until)
    assert new.details["name"] == "厦门新名出行科技有限公司"
    assert new.details["service_locations"][1] == "厦门市集美区杏林湾路2号"
    assert new.details["legal_representative"] == old.details["legal_representative"]
    database.session.refresh(old)
    assert old.status == Status.REPLACED and old.details["name"] == the.name
    assert database.session.get(Platform, the.uscc).name == "厦门新名出行科技有限公司"


def test_a_change_the_register_does_not_show_is_refused_naming_it(client, licensed):
    the, old = licensed
    response = change(client, the, legal_representative="赵新人", address="别处")
    assert response.json["status"] == "rejected"
    reason = {c["rule"]: c["reason"] for c in response.json["checks"]}["plat.change_registered"]
    assert "住所" in reason and "法定代表人" in reason
    assert old.status == Status.VALID


def test_a_change_needs_a_licence_and_something_to_change(client, licensed):
    the, _ = licensed
    empty = change(client, the)
    assert empty.status_code == 422 and "changes" in empty.json["errors"]["json"]
    unlicensed = company(client)
    response = change(client, unlicensed, address="厦门市思明区软件园二期望海路1号")
    assert response.status_code == 409 and "没有有效" in response.json["message"]


def test_the_clerk_may_refuse_a_change_and_the_licence_stays(client, licensed):
    the, old = licensed
    reregister(the, address="厦门市湖里区云顶北路1号")
    number = change(client, the, address="厦门市湖里区云顶北路1号").json["number"]
    licensing.decide(licensing.by_number(number), approve=False, actor="staff:clerk",
                     reason="未提交新住所的产权证明，请补交后重新申请")
    assert licensing.by_number(number).state == State.REJECTED
    assert old.status == Status.VALID


def test_another_company_cannot_read_the_change(client, licensed):
    the, _ = licensed
    reregister(the, address="厦门市湖里区云顶北路1号")
    number = change(client, the, address="厦门市湖里区云顶北路1号").json["number"]
    other = company(client)
    assert client.get(f"/api/v1/applications/{number}", headers=other.headers).status_code == 404
    assert client.get("/api/v1/certificates", headers=other.headers).json["items"] == []
