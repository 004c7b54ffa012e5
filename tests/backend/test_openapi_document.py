"""What the OpenAPI document says, read from ``/api/openapi.json`` itself: the constraints of
ID numbers, credit codes, phones and typed text; the error shape every answer uses (a 409's
``application_number`` included); ``Allow`` on every 405; and a lone surrogate refused in every
text field of every request body it describes."""

from __future__ import annotations

import json

import pytest

from backend.common.text import ONE_LINE_PATTERN
from kiosk.client import signed_headers
from tests.devices.kiosks import register
from tests.drivers.helpers import apply
from tests.factories import citizen_token

METHODS = {"GET", "POST", "PUT", "PATCH", "DELETE"}
PARAMETERS = {"number": "XM-WYC-20261130-000001", "certificate_id": 1, "material_id": 1, "rating_id": 1,
              "message_id": 1, "suspension_id": 1,
              "plate": "闽DD12345",
              "token": "t",
              "session_id": "00000000-0000-4000-8000-000000000000",
              "request_id": "00000000-0000-4000-8000-000000000000"}


@pytest.fixture
def spec(client) -> dict:
    return client.get("/api/openapi.json").json


def _schema(spec, name: str) -> dict:
    return spec["components"]["schemas"][name]["properties"]


def test_id_numbers_and_credit_codes_state_their_shape(spec):
    id_number = _schema(spec, "DevTokenRequest")["id_number"]
    assert (id_number["minLength"], id_number["maxLength"]) == (18, 18)
    assert id_number["pattern"] == "^[0-9]{17}[0-9Xx]$"
    assert "[0-9]{17}[0-9Xx]" in _schema(spec, "Card")["id_number"]["pattern"]
    uscc = _schema(spec, "Platform")["uscc"]
    assert (uscc["minLength"], uscc["maxLength"]) == (18, 18)
    assert uscc["pattern"] == "^[0-9A-HJ-NP-RTUW-Y]{2}[0-9]{6}[0-9A-HJ-NP-RTUW-Y]{10}$"


def test_phones_region_codes_text_and_idempotency_keys_state_their_shape(spec):
    address = _schema(spec, "MailingAddress")
    assert address["region_code"]["pattern"] == "^[0-9]{6}$"
    assert address["phone"]["pattern"].startswith("^(?:1[0-9]{10}|")
    assert _schema(spec, "ApplicationRequest")["phone"]["pattern"] == "^1[0-9]{10}$"
    assert address["recipient"]["pattern"] == ONE_LINE_PATTERN
    (key,) = [p for p in spec["paths"]["/api/v1/applications"]["post"]["parameters"]
              if p["name"] == "Idempotency-Key"]
    assert key["in"] == "header" and key["schema"]["pattern"] == r"^[\x21-\x7e]{1,100}$"
    number = spec["paths"]["/api/v1/applications/{number}"]["parameters"][0]
    assert number["schema"]["pattern"] == "^XM-WYC-[0-9]{8}-[0-9]{6}$"


def test_a_conflict_names_the_application_as_the_error_schema_says(spec, client):
    from tests.devices.kiosks import holder_with_certificate

    number = holder_with_certificate(client)
    _, headers = citizen_token(client, number)
    response = apply(client, headers)  # (a second driver certificate while holding one)
    assert response.status_code == 409 and response.json["application_number"]
    error = spec["components"]["schemas"]["Error"]
    assert set(response.json) <= set(error["properties"])
    assert error["properties"]["application_number"]["type"] == "string"


def test_every_path_answers_an_undocumented_method_with_405_and_allow(spec, client):
    for template, operations in spec["paths"].items():
        path = template.format(**PARAMETERS)
        documented = {method.upper() for method in operations if method.upper() in METHODS}
        for method in sorted(METHODS - documented):
            response = client.open(path, method=method)
            assert response.status_code == 405, (method, template)
            assert response.json["code"] == 405
            allowed = set(response.headers["Allow"].split(", "))
            assert allowed - {"HEAD", "OPTIONS"} == documented, (method, template)


def _string_fields(spec, schema: dict, prefix: tuple = ()):
    """Every string property of a request body, nested objects included, as a path."""
    if "$ref" in schema:
        schema = spec["components"]["schemas"][schema["$ref"].rsplit("/", 1)[1]]
    for name, prop in schema.get("properties", {}).items():
        if "$ref" in prop or prop.get("type") == "object":
            yield from _string_fields(spec, prop, (*prefix, name))
        elif prop.get("type") == "string" and "enum" not in prop:
            yield (*prefix, name)


def _body_with(path: tuple) -> str:
    """A JSON body whose field at ``path`` is a lone surrogate, written as JSON escapes it."""
    value = '"\\ud800"'
    for name in reversed(path):
        value = "{" + json.dumps(name) + ": " + value + "}"
    return value


def _errors_at(errors: dict, path: tuple):
    for name in path:
        errors = errors[name]
    return errors


def test_a_lone_surrogate_in_any_text_field_of_any_request_body_is_422_naming_it(
        spec, client, database):
    _, citizen = citizen_token(client)
    device_id, secret = register()
    database.session.commit()
    checked = 0
    for template, operations in spec["paths"].items():
        path = template.format(**PARAMETERS)
        for method, operation in operations.items():
            if method.upper() not in METHODS:  # (the path's own "parameters")
                continue
            body = (operation.get("requestBody") or {}).get("content", {}).get("application/json")
            for field in _string_fields(spec, body["schema"]) if body else ():
                data = _body_with(field).encode()
                headers = citizen
                if template.startswith("/kiosk/"):  # (signed as a registered kiosk signs)
                    headers = signed_headers(device_id, secret, method.upper(), path, data)
                response = client.open(path, method=method.upper(), data=data,
                                       content_type="application/json", headers=headers)
                assert response.status_code == 422, (method, template, field, response.json)
                assert _errors_at(response.json["errors"]["json"], field), (template, field)
                checked += 1
    assert checked >= 25


def test_a_nul_or_broken_utf8_in_any_query_parameter_is_422_naming_it(spec, client, database):
    _, citizen = citizen_token(client)
    device_id, secret = register()
    database.session.commit()
    checked = 0
    for template, operations in spec["paths"].items():
        path = template.format(**PARAMETERS)
        for method, operation in operations.items():
            if method.upper() not in METHODS:
                continue
            for parameter in operation.get("parameters", []):
                if parameter["in"] != "query":
                    continue
                for value in ("%00", "1%00", "%ED%A0%80"):  # (NUL; a surrogate as UTF-8 bytes)
                    target = f"{path}?{parameter['name']}={value}"
                    headers = citizen
                    if template.startswith("/kiosk/"):
                        headers = signed_headers(device_id, secret, method.upper(), target, b"")
                    response = client.open(target, method=method.upper(), headers=headers)
                    assert response.status_code == 422, (target, response.json)
                    assert parameter["name"] in response.json["errors"]["query"], target
                    checked += 1
    assert checked >= 9
