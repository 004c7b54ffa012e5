"""The blacklist bars licences: drv.blacklist, veh.blacklist, plat.blacklist, each refusal
naming the entry; the watch list alone does not."""

from backend.credit.models import Role
from backend.db import db
from tests.credit.helpers import record
from tests.drivers.helpers import apply as apply_as_driver
from tests.drivers.helpers import failing, make_driver
from tests.factories import id_number
from tests.platforms import test_licence_change as licence_change
from tests.platforms.companies import apply as apply_for_licence
from tests.platforms.companies import company
from tests.vehicles import fleet

licensed = licence_change.licensed  # (the fixture: a company holding a licence)


def check(response, rule: str) -> dict:
    return next(c for c in response.json["checks"] if c["rule"] == rule)


def test_a_blacklisted_driver_is_refused_with_the_entry_named(client, database):
    number, headers = make_driver(client)
    found = record("drv.forged_certificate", number, "陈测试")
    db.session.commit()
    response = apply_as_driver(client, headers)
    assert response.status_code == 201, response.json
    assert response.json["status"] == "rejected" and failing(response) == {"drv.blacklist"}
    reason = check(response, "drv.blacklist")["reason"]
    assert found.number in reason and "厦交执罚〔2026〕001号" in reason and "黑名单" in reason


def test_a_driver_on_the_watch_list_only_may_still_apply(client, database):
    number, headers = make_driver(client)
    record("drv.retaliation", number, "陈测试")
    db.session.commit()
    response = apply_as_driver(client, headers)
    assert failing(response) == set() and response.json["status"] == "awaiting_exam"


def test_a_blacklisted_vehicle_is_refused_a_permit(client, database):
    owner, headers = fleet.owner(client)
    platform = fleet.make_platform()
    plate = fleet.make_vehicle(owner)
    found = record("veh.forged_certificate", plate, plate)
    db.session.commit()
    response = fleet.apply(client, headers, plate=plate, platform=platform)
    assert response.status_code == 201, response.json
    assert fleet.failing(response) == {"veh.blacklist"}
    assert found.number in check(response, "veh.blacklist")["reason"]


def test_a_company_whose_legal_representative_is_blacklisted_cannot_get_a_licence(client, database):
    the = company(client)
    found = record("mgr.unlicensed", the.representative_id, the.representative,
                   company_uscc="91350200MA3123456J", role=Role.LEGAL_REPRESENTATIVE)
    db.session.commit()
    response = apply_for_licence(client, the)
    assert response.status_code == 201, response.json
    failed = {c["rule"] for c in response.json["checks"] if c["outcome"] == "fail"}
    assert failed == {"plat.blacklist"}
    assert found.number in check(response, "plat.blacklist")["reason"]


def test_a_blacklisted_company_cannot_get_a_licence_and_a_clean_one_can(client, database):
    barred, clean = company(client), company(client)
    record("plat.personal_data", barred.uscc, barred.name)
    db.session.commit()
    refused = apply_for_licence(client, barred)
    assert "贵公司" in check(refused, "plat.blacklist")["reason"]
    assert check(apply_for_licence(client, clean), "plat.blacklist")["outcome"] == "pass"


def test_the_demo_driver_on_the_blacklist_is_refused_as_the_readme_says(client, database):
    from backend.demo import DEMO_DRIVERS, load_demo_data
    from tests.factories import citizen_token

    load_demo_data()
    db.session.commit()
    name, number, shows, *_ = DEMO_DRIVERS[-1]
    assert shows.startswith("drv.blacklist")
    _, headers = citizen_token(client, number, name)
    response = apply_as_driver(client, headers)
    assert failing(response) == {"drv.blacklist"}
    assert "厦交执罚〔2026〕演示001号" in check(response, "drv.blacklist")["reason"]


def test_a_licensed_company_whose_main_responsible_person_is_blacklisted_cannot_change_it(
        client, database, licensed):
    the, _licence = licensed
    found = record("mgr.unlicensed", id_number(), "刘总", company_uscc=the.uscc,
                   role=Role.MAIN_RESPONSIBLE)
    db.session.commit()
    response = licence_change.change(client, the, service_locations=["厦门市湖里区云顶北路1号"])
    assert response.status_code == 201, response.json
    assert response.json["status"] == "rejected"
    reason = check(response, "plat.blacklist")["reason"]
    assert "主要负责人" in reason and found.number in reason
