"""The counter (窗口受理): a clerk applies for the person whose ID card they hold, checked against
the population register, through the submission every channel uses."""

from __future__ import annotations

import html
import re

import pytest
import sqlalchemy as sa

from backend.identity.models import Person
from backend.licensing.models import Application, State
from backend.staff.models import Role
from tests.devices.kiosks import holder_with_certificate
from tests.factories import id_number
from tests.harness import post
from tests.staff.conftest import ADDRESS, eligible_driver

NAME = "林志远"


def intake(client) -> str:
    page = client.get("/console/counter").get_data(as_text=True)
    return re.search(r'name="intake_id"[^>]*value="([0-9a-f]{32})"', page).group(1)


def fill(number: str, matter: str = "driver-cert-issue", name: str = NAME, **fields) -> dict:
    return {"id_number": number, "name": name, "matter": matter, "phone": "13800000000",
            "recipient": ADDRESS["recipient"], "mailing_phone": ADDRESS["phone"],
            "region_code": ADDRESS["region_code"], "detail": ADDRESS["detail"], **fields}


def take(client, form: dict, intake_id: str | None = None):
    return post(client, "/console/counter", {**form, "intake_id": intake_id or intake(client)})


def applications(database) -> int:
    database.session.expire_all()
    return database.session.scalar(sa.select(sa.func.count()).select_from(Application))


def flashed(response) -> str:
    return html.unescape(response.get_data(as_text=True))


def test_the_counter_offers_every_matter_a_person_applies_for_there(client, sign_in):
    sign_in(Role.CLERK)
    page = client.get("/console/counter").get_data(as_text=True)
    for code in ("driver-cert-issue", "driver-cert-change", "vehicle-permit-issue",
                 "vehicle-permit-cancel"):
        assert f'value="{code}"' in page
    assert "窗口受理" in page and "公安机关出具的姓名变更证明" in page


def test_an_application_taken_at_the_counter_is_on_the_counter_channel(client, sign_in, database):
    number = eligible_driver()
    username = sign_in(Role.CLERK)
    response = take(client, fill(number))
    assert response.status_code == 302
    application = database.session.scalar(sa.select(Application).where(
        Application.number == response.headers["Location"].rsplit("/", 1)[1]))
    assert (application.channel.value, application.state) == ("counter", State.AWAITING_EXAM)
    assert application.events[0].actor == f"staff:{username}"
    assert application.mailing_address == ADDRESS and application.applicant.phone == "13800000000"


def test_pressing_the_button_twice_takes_one_application(client, sign_in, database):
    number = eligible_driver()
    sign_in(Role.CLERK)
    intake_id = intake(client)
    first = take(client, fill(number), intake_id)
    again = take(client, fill(number), intake_id)
    assert first.headers["Location"] == again.headers["Location"]
    assert applications(database) == 1


@pytest.mark.parametrize("name, number, message", [
    ("林志近", None, "姓名与公安人口信息不一致"),
    (NAME, "unknown", "公安人口信息中查无此身份证号码"),
    (NAME, "110101199003071230", "身份证号码有误"),
])
def test_a_card_the_register_does_not_vouch_for_takes_nothing(client, sign_in, database,
                                                             name, number, message):
    known = eligible_driver()
    number = {None: known, "unknown": id_number()}.get(number, number)
    sign_in(Role.CLERK)
    people = database.session.scalar(sa.select(sa.func.count()).select_from(Person))
    response = take(client, fill(number, name=name))
    assert response.status_code == 200 and message in flashed(response)
    assert applications(database) == 0
    assert database.session.scalar(sa.select(sa.func.count()).select_from(Person)) == people


def test_every_bad_field_is_named_and_the_form_keeps_what_was_typed(client, sign_in, database):
    number = eligible_driver()
    sign_in(Role.CLERK)
    response = take(client, fill(number, region_code="35", mailing_phone="12"))
    page = flashed(response)
    assert "mailing_address.region_code" in page and "mailing_address.phone" in page
    assert f'value="{number}"' in page
    assert applications(database) == 0


def test_a_change_without_the_material_seen_is_refused_naming_it(client, sign_in, database):
    number = holder_with_certificate(client, name=NAME)
    sign_in(Role.CLERK)
    response = take(client, fill(number, "driver-cert-change", new_address="思明区湖滨北路 1 号"))
    assert "documents" in flashed(response) and "居住证明" in flashed(response)
    assert applications(database) == 1  # (only the issue that gave the certificate)


def test_a_change_taken_at_the_counter_shows_the_material_seen_for_the_decision(
        client, sign_in, database):
    number = holder_with_certificate(client, name=NAME)
    sign_in(Role.CLERK)
    response = take(client, fill(number, "driver-cert-change", new_address="思明区湖滨北路 1 号",
                                 doc_residence_proof="居住证 350200-0001", plate="闽D12345"))
    page = flashed(client.get(response.headers["Location"]))
    assert "待人工审核" in page and "已核材料" in page
    assert "新住址的居住证明（居住证、房屋产权证明或租赁合同）：居住证 350200-0001" in page
    assert "批准" in page
    application = database.session.scalar(sa.select(Application).where(
        Application.number == response.headers["Location"].rsplit("/", 1)[1]))
    assert "plate" not in application.inputs  # (not an input of the matter: left out)


def test_only_clerks_take_applications(client, sign_in):
    sign_in(Role.EXAMINER)
    assert client.get("/console/counter").status_code == 403


def test_a_company_matter_is_not_taken_for_a_person(client, sign_in, database, monkeypatch):
    from backend.matters import registry

    class CompanyMatter(registry.Handler):
        code, applicant = "platform-licence-change", registry.Applicant.COMPANY
        channels = (registry.Channel.APP, registry.Channel.COUNTER)

    monkeypatch.setitem(registry.HANDLERS, "platform-licence-change", CompanyMatter())
    number = eligible_driver()
    sign_in(Role.CLERK)
    assert 'value="platform-licence-change"' not in client.get("/console/counter").get_data(
        as_text=True)
    response = take(client, fill(number, "platform-licence-change"))
    assert "此事项由企业申请" in flashed(response)
    assert applications(database) == 0
