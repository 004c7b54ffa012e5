"""A token the identity provider really signed but whose claims are not what they must be is a
401, never a 500; and the real-name level (``rn_level``) must reach ``IDP_MIN_RN_LEVEL``."""

import datetime as dt
from pathlib import Path

import jwt
import pytest
import sqlalchemy as sa

from backend.config import ConfigurationError, from_environment
from backend.identity.models import Person
from tests.factories import citizen_token, id_number


def _signed_by_the_provider(app, **overrides) -> str:
    """A token signed with the (development) provider's own key: only the claims are wrong."""
    now = int(dt.datetime.now(dt.UTC).timestamp())
    claims = {"sub": "dev-x", "id_number": id_number(), "name": "陈声明", "rn_level": "L3",
              "iss": app.config["IDP_ISSUER"], "aud": app.config["IDP_AUDIENCE"],
              "iat": now, "exp": now + 600, **overrides}
    key = Path(app.config["IDP_DEV_PRIVATE_KEY_FILE"]).read_bytes()
    return jwt.encode(claims, key, algorithm="ES256")


def _me(client, token: str):
    return client.get("/api/v1/me", headers={"Authorization": f"Bearer {token}"})


def test_a_well_formed_token_signed_by_the_provider_signs_in(client, app):
    assert _me(client, _signed_by_the_provider(app)).status_code == 200


FAR = 10**20  # (past any date a computer can represent)


@pytest.mark.parametrize("claims", [
    {"exp": "99999999999"}, {"exp": FAR}, {"exp": float("inf")}, {"exp": float("nan")},
    {"exp": [1]}, {"exp": True}, {"iat": "1700000000"}, {"iat": -FAR}, {"nbf": {"at": 1}},
    {"nbf": "1700000000"}, {"name": ["陈", "声明"]}, {"id_number": 350203199001010114},
    {"sub": None}, {"rn_level": 3}, {"rn_level": "L9"}, {"rn_level": "gold"},
], ids=repr)
def test_claims_of_the_wrong_type_or_range_are_401_and_register_nobody(client, app, database,
                                                                     claims):
    before = database.session.scalar(sa.select(sa.func.count()).select_from(Person))
    response = _me(client, _signed_by_the_provider(app, **claims))
    assert response.status_code == 401
    assert response.json["code"] == 401
    assert response.headers["WWW-Authenticate"].startswith("Bearer")
    assert database.session.scalar(sa.select(sa.func.count()).select_from(Person)) == before


def _dev_token(client, level: str) -> dict:
    response = client.post("/dev/idp/token", json={"id_number": id_number(), "name": "陈等级",
                                                   "rn_level": level})
    assert response.status_code == 200, response.json
    return {"Authorization": f"Bearer {response.json['access_token']}"}


def test_a_level_below_the_required_is_a_step_up_challenge_with_a_clear_message(client, database):
    before = database.session.scalar(sa.select(sa.func.count()).select_from(Person))
    for level in ("L1", "L2"):
        response = client.get("/api/v1/me", headers=_dev_token(client, level))
        assert response.status_code == 401
        assert f"实名等级为 {level}" in response.json["message"] and "L3" in response.json["message"]
        assert "face check" in response.json["message_en"]
        assert 'error="insufficient_user_authentication"' in response.headers["WWW-Authenticate"]
    assert database.session.scalar(sa.select(sa.func.count()).select_from(Person)) == before
    for level in ("L3", "L4"):
        assert client.get("/api/v1/me", headers=_dev_token(client, level)).status_code == 200
    number, headers = citizen_token(client)  # (the dev provider's default level is L3)
    assert client.get("/api/v1/me", headers=headers).status_code == 200


def test_the_required_level_is_configurable(app_factory):
    relaxed = app_factory(IDP_MIN_RN_LEVEL="L2").test_client()
    assert relaxed.get("/api/v1/me", headers=_dev_token(relaxed, "L2")).status_code == 200
    assert relaxed.get("/api/v1/me", headers=_dev_token(relaxed, "L1")).status_code == 401


def test_the_dev_provider_refuses_a_level_that_does_not_exist(client):
    response = client.post("/dev/idp/token", json={"id_number": id_number(), "name": "陈",
                                                   "rn_level": "L5"})
    assert response.status_code == 422 and "rn_level" in response.json["errors"]["json"]


def test_an_unknown_required_level_stops_the_start(monkeypatch, tmp_path):
    monkeypatch.setenv("IDP_MIN_RN_LEVEL", "high")
    with pytest.raises(ConfigurationError, match="IDP_MIN_RN_LEVEL"):
        from_environment(str(tmp_path))
    monkeypatch.setenv("IDP_MIN_RN_LEVEL", " l2 ")
    assert from_environment(str(tmp_path))["IDP_MIN_RN_LEVEL"] == "L2"
