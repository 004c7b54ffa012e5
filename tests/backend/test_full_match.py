"""A pattern holds over the whole text: ``re.match`` let ``$`` match before a final line
break, so a value with a trailing newline passed and was stored as sent."""

import json

import marshmallow as ma
import pytest

from backend.common.text import FullMatch
from backend.devices.schemas import CardSchema, KioskApplicationRequestSchema
from backend.verification.imports import ImportRejected, import_file
from tests.drivers.helpers import make_driver
from tests.factories import id_number


def test_a_trailing_line_break_does_not_match():
    validate = FullMatch(r"^[A-Z][0-9A-Z]{0,3}$")
    assert validate("C1") == "C1"
    for value in ("C1\n", "C1\r\n", "C1 "):
        with pytest.raises(ma.ValidationError):
            validate(value)


def test_kiosk_transaction_ids_and_chip_serials_with_a_line_break_are_refused(app):
    with app.app_context():
        errors = KioskApplicationRequestSchema().validate(
            {"matter": "driver-cert-cancel", "transaction_id": "tx-newline-0001\n"})
    assert set(errors) == {"transaction_id"}
    card = {"card_type": "resident", "name": "陈", "id_number": id_number(),
            "chip_serial": "10E4100102030405\n"}
    assert set(CardSchema().validate(card)) == {"chip_serial"}


def test_a_licence_class_with_a_line_break_rejects_the_import_line(database):
    line = json.dumps({"id_number": id_number(), "licence_class": "C1\n",
                       "first_issued_on": "2015-05-01", "status": "valid",
                       "valid_until": "2031-05-01", "cycles": []})
    with pytest.raises(ImportRejected) as refused:
        import_file("driving_licence", [line])
    assert (refused.value.line, refused.value.field) == (1, "licence_class")


def test_an_idempotency_key_ending_in_a_line_break_is_refused(client):
    _, headers = make_driver(client)
    response = client.post("/api/v1/applications", json={"matter": "driver-cert-issue"},
                           headers=headers, environ_overrides={"HTTP_IDEMPOTENCY_KEY": "key-1\n"})
    assert response.status_code == 422 and "Idempotency-Key" in response.json["errors"]["headers"]
