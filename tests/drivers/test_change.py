"""``driver-cert-change``: the name after the police changed it, the service company, the
address; checked where each is held, decided by a clerk on the spot, the old version replaced."""

from __future__ import annotations

import pytest
import sqlalchemy as sa

from backend.audit.models import AuditEntry
from backend.certificates.models import Certificate, Status
from backend.certificates.operations import certificate_view
from backend.licensing.models import Application
from backend.staff.models import Role
from tests.certificates.holders import (
    NAME,
    download,
    driver_with_certificate,
    token_of,
    verify_online,
)
from tests.certificates.test_render import page_text
from tests.drivers.helpers import ADDRESS, eligible_records, import_records
from tests.factories import citizen_token
from tests.harness import Department, post
from tests.vehicles.fleet import make_platform

NEW_NAME = "陈新名"
NAME_PROOF = {"kind": "name_change_proof", "reference": "厦公思户变字〔2026〕第0815号"}
AGREEMENT = {"kind": "service_agreement", "reference": "劳动合同 HT-2026-1206"}
RESIDENCE = {"kind": "residence_proof", "reference": "厦门市居住证 3502000012345"}


def apply_change(client, headers, changes: dict, documents: list[dict]):
    return client.post("/api/v1/applications", headers=headers, json={
        "matter": "driver-cert-change", "changes": changes, "documents": documents,
        "mailing_address": ADDRESS})


def renamed_by_police(id_number: str, name: str = NEW_NAME) -> None:
    """The police changed the name in the population register; the driver signs in again."""
    import_records({"identity": eligible_records(id_number, name)["identity"]})


def approve_at_counter(client, number: str):
    response = post(client, f"/console/applications/{number}/decision",
                    {"decision": "approve", "reason": "已核对材料原件，当场办结。"})
    assert response.status_code == 302
    return response


def checks(response) -> dict[str, str]:
    return {c["rule"]: c["outcome"] for c in response.json["checks"]}


def test_name_change_waits_for_the_clerk_then_the_new_version_prints_the_new_name(
        client, sign_in, database):
    id_number, _, old = driver_with_certificate(client)
    old_token = token_of(certificate_view(old).qr_text)
    renamed_by_police(id_number)
    _, headers = citizen_token(client, id_number, NEW_NAME)

    response = apply_change(client, headers, {"name": NEW_NAME}, [NAME_PROOF])
    assert response.status_code == 201, response.json
    assert response.json["status"] == "awaiting_review"
    assert checks(response) == {"drv.change_name": "pass"}

    sign_in(Role.CLERK)
    approve_at_counter(client, response.json["number"])
    decided = client.get(f"/api/v1/applications/{response.json['number']}", headers=headers).json
    assert decided["status"] == "issued" and decided["mailing"]["status"] == "queued"

    new = database.session.get(Certificate, decided["certificate_id"])
    assert (new.version, new.number, new.holder_name) == (2, id_number, NEW_NAME)
    assert (new.valid_from, new.valid_until) == (old.valid_from, old.valid_until)
    database.session.refresh(old)
    assert old.status == Status.REPLACED
    text = page_text(download(client, headers, new).get_data())
    assert NEW_NAME in text and NAME not in text
    scanned_old = verify_online(client, old_token)
    assert (scanned_old["valid"], scanned_old["reason"]) == (False, "replaced")


def test_the_change_is_audited_with_what_changed_and_the_material_seen(client, sign_in, database):
    id_number, _, old = driver_with_certificate(client)
    renamed_by_police(id_number)
    _, headers = citizen_token(client, id_number, NEW_NAME)
    number = apply_change(client, headers, {"name": NEW_NAME}, [NAME_PROOF]).json["number"]
    sign_in(Role.CLERK)
    approve_at_counter(client, number)

    entry = database.session.scalar(sa.select(AuditEntry).where(
        AuditEntry.action == "driver_certificate.changed"))
    assert entry.before == {"name": NAME}
    assert entry.after == {"name": NEW_NAME, "application": number, "documents": [NAME_PROOF]}
    assert entry.actor.startswith("staff:")


def test_a_new_service_company_in_the_register_is_printed_on_the_new_version(
        client, sign_in, database):
    id_number, headers, old = driver_with_certificate(client)
    code = make_platform()
    response = apply_change(client, headers, {"platform": code}, [AGREEMENT])
    assert checks(response) == {"drv.change_platform": "pass"}
    sign_in(Role.CLERK)
    approve_at_counter(client, response.json["number"])

    new = database.session.scalar(sa.select(Certificate).where(
        Certificate.number == id_number, Certificate.status == Status.VALID))
    assert (new.version, new.platform_code, new.holder_name) == (2, code, NAME)
    assert f"测试{code}网约车有限公司" in page_text(download(client, headers, new).get_data())


def test_an_address_change_needs_no_department_and_goes_straight_to_the_clerk(
        client, sign_in, database):
    _, headers, _ = driver_with_certificate(client)
    response = apply_change(client, headers, {"address": "福建省厦门市湖里区枋湖北二路 8 号"},
                            [RESIDENCE])
    assert response.json["status"] == "awaiting_review" and response.json["checks"] == []
    sign_in(Role.CLERK)
    approve_at_counter(client, response.json["number"])
    application = database.session.scalar(sa.select(Application).where(
        Application.number == response.json["number"]))
    assert application.certificate.address == "福建省厦门市湖里区枋湖北二路 8 号"


@pytest.mark.parametrize("register", ["absent", "expired", "suspended"])
def test_a_platform_without_a_licence_in_force_rejects_at_once(client, register):
    _, headers, _ = driver_with_certificate(client)
    code = {"absent": "no-such-platform",
            "expired": make_platform(valid_until="2020-01-01"),
            "suspended": make_platform(status="suspended")}[register]
    response = apply_change(client, headers, {"platform": code}, [AGREEMENT])
    assert response.json["status"] == "rejected"
    assert checks(response) == {"drv.change_platform": "fail"}
    assert "许可" in response.json["checks"][0]["reason"]


def test_a_name_the_police_register_does_not_hold_rejects_at_once(client):
    _, headers, _ = driver_with_certificate(client)
    response = apply_change(client, headers, {"name": NEW_NAME}, [NAME_PROOF])
    assert response.json["status"] == "rejected"
    assert checks(response) == {"drv.change_name": "fail"}
    assert "公安机关" in response.json["checks"][0]["reason"]


def test_a_change_without_its_material_is_422_naming_it_and_nothing_is_kept(client, database):
    _, headers, _ = driver_with_certificate(client)
    before = database.session.scalar(sa.select(sa.func.count()).select_from(Application))
    response = apply_change(client, headers, {"platform": make_platform(), "address": "思明区 1 号"},
                            [AGREEMENT])
    assert response.status_code == 422
    errors = response.json["errors"]["json"]["documents"]
    assert len(errors) == 1 and "residence_proof" in errors[0] and "居住证明" in errors[0]
    assert database.session.scalar(sa.select(sa.func.count()).select_from(Application)) == before


@pytest.mark.parametrize("changes, documents, field", [
    ({}, [], "changes"),
    ({"name": "陈\x00名"}, [NAME_PROOF], "changes"),
    ({"name": NEW_NAME}, [{"kind": "selfie", "reference": "x"}], "documents"),
])
def test_a_malformed_change_is_422_on_the_field(client, changes, documents, field):
    _, headers, _ = driver_with_certificate(client)
    response = apply_change(client, headers, changes, documents)
    assert response.status_code == 422
    assert field in response.json["errors"]["json"]
    assert response.json["message"] and response.json["message_en"]


def test_asking_for_what_the_certificate_already_says_is_422(client):
    _, headers, _ = driver_with_certificate(client)
    response = apply_change(client, headers, {"name": NAME}, [NAME_PROOF])
    assert response.status_code == 422
    assert "无需变更" in response.json["message"]


def test_without_a_valid_certificate_there_is_nothing_to_change(client):
    id_number, headers = citizen_token(client)
    import_records(eligible_records(id_number, "陈测试"))
    response = apply_change(client, headers, {"address": "思明区湖滨南路 1 号"}, [RESIDENCE])
    assert response.status_code == 409


def test_the_catalogue_offers_the_change_in_the_app_and_at_the_counter(client):
    items = {m["code"]: m for m in client.get("/api/v1/matters").json["items"]}
    change = items["driver-cert-change"]
    assert change["channels"] == ["app", "counter"] and change["applicant"] == "person"
    assert change["checks"] == ["drv.change_name", "drv.change_platform"]
    assert (change["zero_material"], change["instant"], change["auto_decided"]) == (False, True, False)


@pytest.fixture
def police_register(app):
    department = Department(app, "identity")
    yield department
    department.come_back()


def test_checks_passing_on_a_recheck_still_leave_the_decision_to_the_clerk(
        client, sign_in, database, police_register):
    id_number, _, _ = driver_with_certificate(client)
    renamed_by_police(id_number)
    _, headers = citizen_token(client, id_number, NEW_NAME)
    police_register.go_down()
    response = apply_change(client, headers, {"name": NEW_NAME}, [NAME_PROOF])
    assert response.json["status"] == "awaiting_review"
    assert checks(response) == {"drv.change_name": "unknown"}

    police_register.come_back()
    sign_in(Role.CLERK)
    number = response.json["number"]
    post(client, f"/console/applications/{number}/recheck")
    after = client.get(f"/api/v1/applications/{number}", headers=headers).json
    assert after["status"] == "awaiting_review"
    assert [(c["rule"], c["outcome"]) for c in after["checks"]] == [("drv.change_name", "pass")]
    assert after["certificate_id"] is None
    approve_at_counter(client, number)
    assert client.get(f"/api/v1/applications/{number}", headers=headers).json["status"] == "issued"


def test_a_renewal_while_a_change_is_open_names_the_change_in_the_way(client):
    _, headers, _ = driver_with_certificate(client)
    change = apply_change(client, headers, {"address": "福建省厦门市湖里区枋湖北二路 8 号"},
                          [RESIDENCE]).json
    renewal = client.post("/api/v1/applications", headers=headers, json={
        "matter": "driver-cert-renew", "mailing_address": ADDRESS})
    assert renewal.status_code == 409
    assert renewal.json["application_number"] == change["number"]
    assert change["number"] in renewal.json["message"]
    assert "网约车驾驶员从业资格证变更" in renewal.json["message"]
    assert "（待人工审核）" in renewal.json["message"] and "12328" in renewal.json["message"]
    assert "awaiting_review" not in renewal.json["message"]  # (no raw codes in Chinese text)
    assert "awaiting review" in renewal.json["message_en"]
