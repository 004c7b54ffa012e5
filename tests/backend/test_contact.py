"""Phone numbers and region codes are read one way wherever they are accepted: full-width
forms become ASCII and are stored so; a line break or anything else that is not the number is
refused, naming the field, and nothing is stored."""

import json

import pytest
import sqlalchemy as sa
from werkzeug.datastructures import MultiDict

from backend.common.contact import MOBILE, PHONE, REGION_CODE, normalised
from backend.identity.models import Person
from backend.licensing.models import Application
from backend.mailing.forms import AddressForm
from backend.verification.imports import ImportRejected, import_file
from backend.verification.models import MirrorIdentity
from tests.devices.kiosks import SignedClient, card_for, holder_with_certificate, register
from tests.drivers.helpers import ADDRESS, apply, make_driver
from tests.factories import id_number

FULL_WIDTH_MOBILE = "１３８０００００００１"
FULL_WIDTH_LANDLINE = "０５９２－５５５１２３４"  # (a full-width hyphen too)
FULL_WIDTH_REGION = "３５０２０６"
NOT_A_NUMBER = ["13800000001\n", "13800000001\r\n", " 13800000001", "138 0000 0001",
                "١٣٨٠٠٠٠٠٠٠١", "13800000001\x00", "1380000000１２"]


def test_full_width_forms_become_ascii_and_nothing_else_passes():
    assert normalised(FULL_WIDTH_MOBILE, MOBILE) == "13800000001"
    assert normalised(FULL_WIDTH_LANDLINE, PHONE) == "0592-5551234"
    assert normalised(FULL_WIDTH_REGION, REGION_CODE) == "350206"
    for text in NOT_A_NUMBER:
        assert normalised(text, MOBILE) is None, repr(text)
    assert normalised("350206\n", REGION_CODE) is None


def test_the_app_stores_full_width_numbers_as_ascii(client, database):
    number, headers = make_driver(client)
    response = apply(client, headers, phone=FULL_WIDTH_MOBILE, mailing_address={
        **ADDRESS, "phone": FULL_WIDTH_LANDLINE, "region_code": FULL_WIDTH_REGION})
    assert response.status_code == 201, response.json
    application = database.session.scalar(sa.select(Application))
    assert application.phone == "13800000001"
    assert (application.mailing_address["phone"], application.mailing_address["region_code"]) \
        == ("0592-5551234", "350206")
    person = database.session.scalar(sa.select(Person).where(Person.id_number == number))
    assert person.phone == "13800000001"


@pytest.mark.parametrize("phone", NOT_A_NUMBER, ids=repr)
def test_the_app_refuses_a_phone_that_is_not_just_the_number(client, database, phone):
    _, headers = make_driver(client)
    response = apply(client, headers, phone=phone)
    assert response.status_code == 422 and "phone" in response.json["errors"]["json"]
    response = apply(client, headers, mailing_address={**ADDRESS, "phone": phone})
    assert response.status_code == 422
    assert "phone" in response.json["errors"]["json"]["mailing_address"]
    assert database.session.scalar(sa.select(sa.func.count()).select_from(Application)) == 0


def test_the_app_refuses_a_region_code_with_a_line_break(client, database):
    _, headers = make_driver(client)
    response = apply(client, headers, mailing_address={**ADDRESS, "region_code": "350206\n"})
    assert response.status_code == 422
    assert "region_code" in response.json["errors"]["json"]["mailing_address"]
    assert database.session.scalar(sa.select(sa.func.count()).select_from(Application)) == 0


def test_the_kiosk_normalises_and_refuses_the_same_way(client, database):
    kiosk = SignedClient(client, *register())
    database.session.commit()
    visit = kiosk.start(card_for(holder_with_certificate(client))).json["id"]
    refused = kiosk.apply(visit, "driver-cert-renew", "tx-newline-01", phone="13800000001\n")
    assert refused.status_code == 422 and "phone" in refused.json["errors"]["json"]
    response = kiosk.apply(visit, "driver-cert-renew", "tx-fullwidth-01", phone=FULL_WIDTH_MOBILE,
                           mailing_address={**ADDRESS, "region_code": FULL_WIDTH_REGION})
    assert response.status_code == 201, response.json
    application = database.session.scalar(sa.select(Application).where(
        Application.number == response.json["number"]))
    assert application.phone == "13800000001"
    assert application.mailing_address["region_code"] == "350206"


def test_the_mailing_rooms_form_normalises_and_refuses_the_same_way(app):
    with app.test_request_context(method="POST"):
        # (a region in Fujian is picked from the list; one typed, outside it, is normalised)
        form = AddressForm(formdata=MultiDict({**ADDRESS, "return_reason": "moved",
                                               "phone": FULL_WIDTH_LANDLINE, "region_code": "other",
                                               "other_region_code": FULL_WIDTH_REGION}),
                           meta={"csrf": False})
        assert form.validate(), form.errors
        assert (form.phone.data, form.address()["region_code"]) == ("0592-5551234", "350206")
        refused = AddressForm(formdata=MultiDict({**ADDRESS, "return_reason": "moved",
                                                  "phone": "13800000001\n", "region_code": "other",
                                                  "other_region_code": "350206\n"}),
                              meta={"csrf": False})
        assert not refused.validate() and set(refused.errors) == {"phone", "other_region_code"}
        unlisted = AddressForm(formdata=MultiDict({**ADDRESS, "return_reason": "moved",
                                                   "region_code": "999999"}), meta={"csrf": False})
        assert not unlisted.validate() and set(unlisted.errors) == {"region_code"}


def _identity_line(**changes) -> str:
    record = {"id_number": id_number(), "name": "陈区划", "sex": "1", "birth_date": "1990-01-01",
              "hukou_region": "350203", "card_valid_until": "长期", "card_reported_lost": False}
    return json.dumps({**record, **changes}, ensure_ascii=False)


def test_a_mirror_import_stores_a_full_width_region_as_ascii_and_refuses_a_line_break(database):
    line = _identity_line(hukou_region=FULL_WIDTH_REGION)
    import_file("identity", [line])
    stored = database.session.scalar(sa.select(MirrorIdentity).where(
        MirrorIdentity.id_number == json.loads(line)["id_number"]))
    assert stored.hukou_region == "350206"
    with pytest.raises(ImportRejected) as refused:
        import_file("identity", [_identity_line(hukou_region="350206\n")])
    assert (refused.value.line, refused.value.field) == (1, "hukou_region")
