import datetime as dt
import time

import jwt
import pytest
import sqlalchemy as sa
from cryptography.hazmat.primitives.asymmetric import ec

from backend.identity.models import Person
from backend.licensing.operations import today
from tests.factories import citizen_token, id_number


def _people(database) -> int:
    return database.session.scalar(sa.select(sa.func.count()).select_from(Person))


def test_me_shows_name_and_masked_id_number(client):
    number, headers = citizen_token(client, id_number(), name="林晓")
    body = client.get("/api/v1/me", headers=headers).json
    assert body == {"name": "林晓", "id_number_masked": number[:3] + "*" * 11 + number[-4:]}


def test_x_check_digit_is_accepted_in_lower_case(client):
    response = client.post("/dev/idp/token", json={"id_number": "11010519491231002x", "name": "王"})
    assert response.status_code == 200
    headers = {"Authorization": f"Bearer {response.json['access_token']}"}
    assert client.get("/api/v1/me", headers=headers).json["id_number_masked"].endswith("002X")


def test_missing_token_is_401_with_error_shape(client):
    response = client.get("/api/v1/me")
    assert response.status_code == 401
    assert response.json["code"] == 401 and "登录" in response.json["message"]
    assert response.headers["WWW-Authenticate"].startswith("Bearer")


def test_tampered_token_is_401(client):
    _, headers = citizen_token(client)
    token = headers["Authorization"].split()[1]
    header, payload, signature = token.split(".")
    forged_payload = jwt.utils.base64url_encode(
        jwt.utils.base64url_decode(payload).replace(b'"L3"', b'"L4"')).decode()
    forged = f"{header}.{forged_payload}.{signature}"
    assert client.get("/api/v1/me", headers={"Authorization": f"Bearer {forged}"}).status_code == 401


def test_expired_token_is_401(client, app):
    with app.app_context():
        from backend.identity.assertions import issue_dev_assertion
        token = issue_dev_assertion(id_number(), "过期", ttl_seconds=-60)
    assert client.get("/api/v1/me", headers={"Authorization": f"Bearer {token}"}).status_code == 401


def test_a_token_remembered_as_verified_is_refused_once_it_expires(client, app):
    with app.app_context():
        from backend.identity.assertions import issue_dev_assertion
        token = issue_dev_assertion(id_number(), "将过期", ttl_seconds=2)
    headers = {"Authorization": f"Bearer {token}"}
    assert client.get("/api/v1/me", headers=headers).status_code == 200
    assert client.get("/api/v1/me", headers=headers).status_code == 200  # (remembered)
    time.sleep(2.1)
    assert client.get("/api/v1/me", headers=headers).status_code == 401


def _foreign_token(app, **overrides) -> str:
    now = dt.datetime.now(dt.UTC)
    claims = {"sub": "x", "id_number": id_number(), "name": "外", "rn_level": "L3",
              "iss": app.config["IDP_ISSUER"], "aud": app.config["IDP_AUDIENCE"],
              "iat": int(now.timestamp()), "exp": int(now.timestamp()) + 600}
    claims.update(overrides)
    key = ec.generate_private_key(ec.SECP256R1())
    return jwt.encode(claims, key, algorithm="ES256")


def test_token_signed_by_another_provider_is_401(client, app):
    token = _foreign_token(app, iss="https://evil.example")
    assert client.get("/api/v1/me", headers={"Authorization": f"Bearer {token}"}).status_code == 401


def test_token_for_another_audience_is_401(client, app):
    with app.app_context():
        from pathlib import Path
        key = Path(app.config["IDP_DEV_PRIVATE_KEY_FILE"]).read_bytes()
    now = int(dt.datetime.now(dt.UTC).timestamp())
    token = jwt.encode({"sub": "x", "id_number": id_number(), "name": "外", "rn_level": "L3",
                        "iss": app.config["IDP_ISSUER"], "aud": "another-service",
                        "iat": now, "exp": now + 600}, key, algorithm="ES256")
    assert client.get("/api/v1/me", headers={"Authorization": f"Bearer {token}"}).status_code == 401


def test_bad_id_numbers_get_422_naming_the_field_and_write_nothing(client, database):
    before = _people(database)
    for bad in ["110105194912310021",   # wrong check digit
                "11010519491331002X",   # 13th month
                "12345",                # too short
                "99010519491231002A",   # not digits
                12345678901234567]:     # wrong type
        response = client.post("/dev/idp/token", json={"id_number": bad, "name": "张三"})
        assert response.status_code == 422, bad
        assert "id_number" in response.json["errors"]["json"]
    assert _people(database) == before


def test_unknown_region_code_is_refused(client):
    from stdnum.cn import ric
    body = "840105199001011" + "23"
    number = body + ric.calc_check_digit(body + "0")
    response = client.post("/dev/idp/token", json={"id_number": number, "name": "张三"})
    assert response.status_code == 422
    assert "地区" in response.json["errors"]["json"]["id_number"][0]


def test_first_sign_in_registers_the_person_once(client, database):
    number, headers = citizen_token(client)
    client.get("/api/v1/me", headers=headers)
    client.get("/api/v1/me", headers=headers)
    people = database.session.scalars(sa.select(Person).where(Person.id_number == number)).all()
    assert len(people) == 1


@pytest.mark.parametrize("region", ["810000", "820000", "830000", "911840"])
def test_residence_permit_and_foreigner_numbers_sign_in(client, region):
    number, headers = citizen_token(client, id_number(region=region), name="林台胞")
    response = client.get("/api/v1/me", headers=headers)
    assert response.status_code == 200
    assert response.json["id_number_masked"].startswith(number[:3])


def test_a_birth_date_in_the_future_is_refused(client):
    number = id_number(today() + dt.timedelta(days=2))
    response = client.post("/dev/idp/token", json={"id_number": number, "name": "张三"})
    assert response.status_code == 422
    assert "出生日期" in response.json["errors"]["json"]["id_number"][0]
