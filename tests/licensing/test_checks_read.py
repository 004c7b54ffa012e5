"""Every check in an answer explains itself: its rule's title, and what it verified or found,
in Chinese and English, with no raw codes in the Chinese text."""

import re

from backend.licensing.rules import RULES
from tests.drivers.helpers import apply, make_driver
from tests.vehicles.fleet import apply as apply_vehicle
from tests.vehicles.fleet import make_platform, make_vehicle, owner

# Lower-case codes (seized, lujiang-go, non_operating, police_records): never in Chinese text.
CODE = re.compile(r"[a-z][a-z0-9]*(?:[_-][a-z0-9]+)+|\b(?:valid|seized|revoked|normal)\b")


def test_every_registered_rule_has_a_chinese_and_an_english_title(app):
    assert RULES
    for rule in RULES.values():
        assert re.search(r"[\u4e00-\u9fff]", rule.title), rule.code
        assert rule.title_en and not re.search(r"[\u4e00-\u9fff]", rule.title_en), rule.code


def test_a_driver_sees_each_check_titled_and_what_each_pass_verified(client):
    _, headers = make_driver(client)
    checks = {c["rule"]: c for c in apply(client, headers).json["checks"]}
    licence = checks["drv.licence_valid"]
    assert (licence["title"], licence["title_en"]) == ("机动车驾驶证", "Driving licence")
    assert licence["reason"] == "驾驶证准驾车型 C1，有效期至 2031-05-01"
    assert licence["reason_en"] == "Licence class C1, valid until 2031-05-01"
    for check in checks.values():
        assert check["outcome"] == "pass" and check["title"] and check["reason"] and check["reason_en"]
        assert not CODE.search(check["reason"]), check


def test_a_vehicle_refused_reads_registry_codes_by_their_chinese_names(client):
    number, headers = owner(client)
    plate = make_vehicle(number, use_nature="non_operating", status="seized")
    platform = make_platform(name="测试出行有限公司")
    body = apply_vehicle(client, headers, plate=plate, platform=platform).json
    checks = {c["rule"]: c for c in body["checks"]}
    assert "「查封」" in checks["veh.registered"]["reason"]
    assert "「非营运」" in checks["veh.use_nature"]["reason"]
    assert "non-operating" in checks["veh.use_nature"]["reason_en"]
    for check in checks.values():
        assert check["title"] and check["reason"], check
        assert not CODE.search(check["reason"]), check


def test_a_vehicle_on_another_platform_names_that_platform_not_its_code(client):
    number, headers = owner(client)
    plate = make_vehicle(number)
    first = make_platform(name="鹭江出行网约车有限公司")
    assert apply_vehicle(client, headers, plate=plate, platform=first).json["status"] == "issued"
    body = apply_vehicle(client, headers, plate=plate, platform=make_platform(name="测试出行")).json
    single = next(c for c in body["checks"] if c["rule"] == "veh.single_platform")
    assert single["outcome"] == "fail" and "「鹭江出行网约车有限公司」" in single["reason"]
    assert first not in single["reason"] and not CODE.search(single["reason"])


def test_the_application_in_the_way_is_named_with_its_state_in_chinese(client):
    from tests.certificates.holders import driver_with_certificate

    _, headers, _ = driver_with_certificate(client)
    change = client.post("/api/v1/applications", headers=headers, json={
        "matter": "driver-cert-change", "changes": {"address": "福建省厦门市湖里区枋湖北二路 8 号"},
        "documents": [{"kind": "residence_proof", "reference": "居住证明 001"}]}).json
    refused = apply(client, headers, matter="driver-cert-renew")
    assert refused.status_code == 409 and change["number"] in refused.json["message"]
    assert "（待人工审核）" in refused.json["message"] and "awaiting_review" not in refused.json["message"]
