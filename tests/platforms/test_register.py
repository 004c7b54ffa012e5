"""The register side: the market-regulation import contract, the ministry's CompanyId
recorded from the console or the command line, the console's pages of a licence application,
and the demo companies."""

import json

import pytest

from backend.licensing import operations as licensing
from backend.platforms.demo import COMPANIES, load_platform_demo
from backend.platforms.models import MirrorCompany, Platform
from backend.staff.models import Role
from tests.harness import post
from tests.platforms.companies import apply as apply_for_licence
from tests.platforms.companies import company, new_uscc, sign_in
from tests.vehicles.fleet import make_platform


def company_record(**overrides) -> str:
    return json.dumps({"uscc": new_uscc(), "name": "厦门导入测试有限公司",
                       "legal_representative": "王法人",
                       "legal_representative_id_number": "350203198001015017",
                       "legal_person": True, "status": "存续", "business_scope": "网约车",
                       "address": "厦门市思明区", **overrides}, ensure_ascii=False)


def test_the_company_registry_imports_and_a_bad_line_rejects_the_file(cli, tmp_path, database):
    good = company_record()
    (tmp_path / "ok.jsonl").write_text(good + "\n", encoding="utf-8")
    result = cli.invoke(args=["registry", "import", "company_registry", str(tmp_path / "ok.jsonl")])
    assert result.exit_code == 0 and "1 inserted" in result.output
    bad = company_record(uscc="91350203MA31ABCD2X")
    (tmp_path / "bad.jsonl").write_text(company_record() + "\n" + bad + "\n", encoding="utf-8")
    before = database.session.query(MirrorCompany).count()
    result = cli.invoke(args=["registry", "import", "company_registry", str(tmp_path / "bad.jsonl")])
    assert result.exit_code == 2 and "line 2" in result.output and "uscc" in result.output
    assert database.session.query(MirrorCompany).count() == before


def test_company_id_from_the_command_line_and_a_taken_one_refused(cli, database):
    first, second = make_platform(), make_platform()
    result = cli.invoke(args=["platforms", "company-id", first, "XMYC2026001"])
    assert result.exit_code == 0
    assert database.session.get(Platform, first).company_id == "XMYC2026001"
    taken = cli.invoke(args=["platforms", "company-id", second, "XMYC2026001"])
    assert taken.exit_code == 2 and "already belongs" in taken.output
    assert database.session.get(Platform, second).company_id is None


def test_a_clerk_records_the_company_id_in_the_console(client, database, sign_in):
    code = make_platform()
    sign_in(Role.CLERK)
    assert code in client.get("/console/platforms").get_data(as_text=True)
    response = post(client, f"/console/platforms/{code}/company-id", {"company_id": "bad id!"})
    assert response.status_code == 302 and database.session.get(Platform, code).company_id is None
    post(client, f"/console/platforms/{code}/company-id", {"company_id": "XMYC2026002"})
    assert database.session.get(Platform, code).company_id == "XMYC2026002"


def test_the_console_shows_the_materials_steps_and_deadline_of_an_application(client, sign_in):
    the = company(client)
    number = apply_for_licence(client, the).json["number"]
    sign_in(Role.CLERK)
    page = client.get(f"/console/applications/{number}").get_data(as_text=True)
    assert "申请材料" in page and "online_capability" in page
    assert "线上服务能力认定" in page and "办结期限" in page and the.uscc in page


def test_the_province_role_sees_its_queue_but_not_the_clerks(client, sign_in):
    sign_in(Role.PROVINCE)
    assert client.get("/console/province").status_code == 200
    assert client.get("/console/review").status_code == 403


@pytest.mark.parametrize(("index", "status"), [(0, "awaiting_review"), (1, "rejected")])
def test_the_demo_companies_do_what_the_readme_says(client, database, index, status):
    from tests.platforms.companies import TestCompany

    load_platform_demo()
    uscc, name, representative, id_number, _scope, _shows = COMPANIES[index]
    the = TestCompany(uscc, name, representative, id_number, sign_in(client, uscc, name))
    response = apply_for_licence(client, the)
    assert response.json["status"] == status
    if status == "rejected":
        assert {c["rule"] for c in response.json["checks"] if c["outcome"] == "fail"} == {
            "plat.scope"}
    assert licensing.by_number(response.json["number"]).company.uscc == uscc


def test_past_the_checks_the_console_offers_no_recheck_but_the_next_step(client, sign_in):
    the = company(client)
    number = apply_for_licence(client, the).json["number"]
    sign_in(Role.CLERK)
    page = client.get(f"/console/applications/{number}").get_data(as_text=True)
    assert "重新核验" not in page and "线下服务能力审查" in page and "批准即进入下一环节" in page
