"""Console sessions end server-side: sign-out, a new password and a disabled account each
refuse every saved copy of the account's session cookie."""

import pytest
from flask import g

from backend.staff import models
from backend.staff.models import Role
from backend.staff.operations import authenticate, create_staff
from tests.harness import STAFF_PASSWORD, post, sign_in_as


def signed_in_on_two_browsers(app, client, role=Role.CLERK):
    """The client signed in, and a second browser holding a copy of its session cookie."""
    username = sign_in_as(client, role)
    copy = app.test_client()
    copy.set_cookie("session", client.get_cookie("session").value)
    assert copy.get("/console/").status_code == 200
    return username, copy


def as_a_new_request():
    """The test's requests share its app context (tests/conftest.py), where flask-login keeps
    the user it loaded and Flask-WTF the CSRF token; a real request starts without either."""
    g.pop("_login_user", None)
    g.pop("csrf_token", None)


def assert_sent_to_sign_in(browser):
    as_a_new_request()
    response = browser.get("/console/")
    assert response.status_code == 302
    assert "/console/login" in response.headers["Location"]


def test_a_session_cookie_saved_before_sign_out_is_refused_after_it(client, database):
    sign_in_as(client, Role.CLERK)
    saved = client.get_cookie("session").value
    assert client.get("/console/").status_code == 200
    assert post(client, "/console/logout").status_code == 302
    client.set_cookie("session", saved)  # replay the cookie copied while signed in
    assert_sent_to_sign_in(client)


def test_signing_out_ends_the_accounts_other_sessions(app, client, database):
    _, other_browser = signed_in_on_two_browsers(app, client)
    post(client, "/console/logout")
    assert_sent_to_sign_in(other_browser)


def test_a_new_password_ends_the_accounts_sessions(app, client, cli, database, tmp_path):
    username, other_browser = signed_in_on_two_browsers(app, client)
    password_file = tmp_path / "password"
    password_file.write_text("a-brand-new-password\n")
    result = cli.invoke(args=["staff", "password", username, "--password-file", str(password_file)])
    assert result.exit_code == 0, result.output
    assert_sent_to_sign_in(client)
    assert_sent_to_sign_in(other_browser)
    assert authenticate(username, STAFF_PASSWORD) is None
    assert authenticate(username, "a-brand-new-password") is not None


def test_disabling_an_account_ends_its_sessions_and_its_sign_in(client, cli, database):
    username = sign_in_as(client, Role.EXAMINER)
    result = cli.invoke(args=["staff", "disable", username])
    assert result.exit_code == 0, result.output
    assert_sent_to_sign_in(client)
    response = post(client, "/console/login", {"username": username, "password": STAFF_PASSWORD})
    assert response.status_code == 200 and "用户名或密码不正确" in response.get_data(as_text=True)
    assert cli.invoke(args=["staff", "enable", username]).exit_code == 0
    assert sign_in_again(client, username).status_code == 302


def sign_in_again(client, username):
    return post(client, "/console/login", {"username": username, "password": STAFF_PASSWORD})


def test_another_accounts_sign_out_leaves_a_session_alone(app, client, database):
    sign_in_as(client, Role.CLERK)
    colleague = app.test_client()
    as_a_new_request()
    sign_in_as(colleague, Role.CLERK)
    post(colleague, "/console/logout")
    as_a_new_request()
    assert client.get("/console/").status_code == 200


def test_commands_refuse_an_unknown_account(cli, database):
    result = cli.invoke(args=["staff", "disable", "nobody-here"])
    assert result.exit_code == 2 and "no staff account" in result.output


@pytest.fixture
def hash_checks(monkeypatch):
    """Every password hash verification made, as (hash, password)."""
    checks = []
    real = models.check_password_hash

    def counting(password_hash, password):
        checks.append((password_hash, password))
        return real(password_hash, password)

    monkeypatch.setattr(models, "check_password_hash", counting)
    return checks


def test_an_unknown_username_costs_one_hash_verification_like_a_known_one(database, hash_checks):
    create_staff("known", Role.CLERK, STAFF_PASSWORD, actor="test")
    disabled = create_staff("disabled", Role.CLERK, STAFF_PASSWORD, actor="test")
    disabled.active = False
    for username in ("known", "nobody-by-this-name", "disabled"):
        hash_checks.clear()
        assert authenticate(username, "a-wrong-password") is None
        assert len(hash_checks) == 1, username
        # (a real scrypt hash, the same kind and cost as an account's)
        assert hash_checks[0][0].split("$")[0] == disabled.password_hash.split("$")[0]
