"""Control characters and lone surrogates are refused where people type text, with a 422 naming
the field, before anything is stored (PostgreSQL cannot store a NUL: it was a 500)."""

import json

import marshmallow as ma
import pytest
import sqlalchemy as sa
from werkzeug.datastructures import MultiDict

from backend.common.text import Text, is_plain
from backend.devices.schemas import CardSchema
from backend.identity.assertions import issue_dev_assertion
from backend.identity.models import Person
from backend.licensing.models import Application
from backend.mailing.forms import AddressForm
from backend.mailing.models import MailingItem
from backend.staff.forms import DecisionForm
from backend.verification.imports import ImportRejected, import_file
from tests.drivers.helpers import ADDRESS, apply, make_driver
from tests.factories import id_number

REFUSED = ["陈\x00测试", "陈\x1b[2J测试", "陈\x7f测试", "陈\x85测试", "陈\ud800测试", "陈\n测试"]


def count(database, model) -> int:
    return database.session.scalar(sa.select(sa.func.count()).select_from(model))


@pytest.mark.parametrize("recipient", REFUSED, ids=repr)
def test_a_control_character_in_the_mailing_recipient_is_422_and_nothing_is_stored(
        client, database, recipient):
    _, headers = make_driver(client)
    before = count(database, Application), count(database, MailingItem)
    response = apply(client, headers, mailing_address={**ADDRESS, "recipient": recipient})
    assert response.status_code == 422
    assert list(response.json["errors"]["json"]) == ["mailing_address"]
    assert list(response.json["errors"]["json"]["mailing_address"]) == ["recipient"]
    assert (count(database, Application), count(database, MailingItem)) == before


@pytest.mark.parametrize("name", REFUSED, ids=repr)
def test_a_control_character_in_the_dev_identity_name_is_422_and_nothing_is_stored(
        client, database, name):
    number = id_number()
    response = client.post("/dev/idp/token", json={"id_number": number, "name": name})
    assert response.status_code == 422
    assert list(response.json["errors"]["json"]) == ["name"]
    assert "access_token" not in response.json
    assert database.session.scalar(sa.select(Person).where(Person.id_number == number)) is None


def test_an_identity_assertion_whose_name_has_a_control_character_is_refused(client, database):
    number = id_number()
    token = issue_dev_assertion(number, "陈\x00测试")
    response = client.get("/api/v1/me", headers={"Authorization": f"Bearer {token}"})
    assert response.status_code == 401
    assert database.session.scalar(sa.select(Person).where(Person.id_number == number)) is None


def test_ordinary_names_and_addresses_pass(client):
    _, headers = make_driver(client, name="买买提·艾力")
    response = apply(client, headers, mailing_address={**ADDRESS, "recipient": "买买提·艾力",
                                                       "detail": "思明区湖滨南路1号 A座\u3000301室"})
    assert response.status_code == 201, response.json


def test_line_breaks_only_where_the_text_may_have_several_lines():
    assert is_plain("第一行\r\n第二行\t完", multiline=True)
    assert not is_plain("第一行\n第二行")
    assert not is_plain("第一行\x00", multiline=True)
    with pytest.raises(ma.ValidationError):
        Text(multiline=True).deserialize("好\x0c")


def test_the_kiosk_card_refuses_a_control_character_in_the_name_and_address():
    card = {"card_type": "resident", "name": "陈测试", "id_number": id_number(),
            "address": "福建省厦门市思明区\x00"}
    with pytest.raises(ma.ValidationError) as refused:
        CardSchema().load({**card, "name": "陈\x00测试"})
    assert set(refused.value.messages) == {"name", "address"}


def test_the_console_forms_refuse_control_characters(app):
    with app.test_request_context(method="POST"):
        address = AddressForm(formdata=MultiDict({**ADDRESS, "return_reason": "moved",
                                                  "detail": "思明区\x00湖滨南路1号"}),
                              meta={"csrf": False})
        decision = DecisionForm(formdata=MultiDict({"decision": "reject",
                                                    "reason": "材料不全\x00"}), meta={"csrf": False})
        reasoned = DecisionForm(formdata=MultiDict({"decision": "reject",
                                                    "reason": "材料不全。\r\n请补交。"}),
                                meta={"csrf": False})
        assert not address.validate() and set(address.errors) == {"detail"}
        assert not decision.validate() and set(decision.errors) == {"reason"}
        assert reasoned.validate(), reasoned.errors


def test_an_import_line_with_a_control_character_is_refused_naming_the_field(database):
    record = {"id_number": id_number(), "name": "陈\x00测试", "sex": "1",
              "birth_date": "1990-01-01", "hukou_region": "350203", "card_valid_until": "长期",
              "card_reported_lost": False}
    line = json.dumps(record)  # (the NUL as JSON writes it: \u0000)
    with pytest.raises(ImportRejected) as refused:
        import_file("identity", [line])
    assert (refused.value.line, refused.value.field) == (1, "name")


@pytest.mark.parametrize("field", ["matter", "plate", "platform", "reason"])
def test_a_nul_in_an_application_field_is_a_422_naming_it(client, database, field):
    from tests.factories import citizen_token, id_number

    _, headers = citizen_token(client, id_number(), "陈控制")
    body = {"matter": "vehicle-permit-issue", "plate": "闽D12345", "platform": "xm-green-ride"}
    body[field] = body.get(field, "丢失") + "\x00"
    count = sa.select(sa.func.count()).select_from(Application)
    before = database.session.scalar(count)
    response = client.post("/api/v1/applications", json=body, headers=headers)
    assert response.status_code == 422
    assert field in response.json["errors"]["json"]
    assert database.session.scalar(count) == before
