import sqlalchemy as sa

from backend.audit.models import AuditEntry
from backend.staff.models import Role, StaffUser
from backend.staff.operations import create_staff
from tests.harness import post


def login(client, username, password):
    return post(client, "/console/login", {"username": username, "password": password})


def test_staff_create_stores_a_hashed_password(cli, database):
    result = cli.invoke(args=["staff", "create", "wang", "--role", "clerk"],
                        input="correct-horse-battery\ncorrect-horse-battery\n")
    assert result.exit_code == 0, result.output
    user = database.session.scalar(sa.select(StaffUser).where(StaffUser.username == "wang"))
    assert user.role == Role.CLERK
    assert "correct-horse-battery" not in user.password_hash and user.check_password("correct-horse-battery")


def test_staff_create_refuses_a_short_password(cli):
    result = cli.invoke(args=["staff", "create", "li", "--role", "admin"], input="short\nshort\n")
    assert result.exit_code == 2 and "at least" in result.output


def test_unauthenticated_console_redirects_to_login(client):
    response = client.get("/console/")
    assert response.status_code == 302
    assert "/console/login" in response.headers["Location"]


def test_login_is_audited_and_opens_the_console(client, database):
    create_staff("zhao", Role.EXAMINER, "examiner-password-1", actor="test")
    response = login(client, "zhao", "examiner-password-1")
    assert response.status_code == 302
    page = client.get("/console/").get_data(as_text=True)
    assert "事项目录" in page and "zhao" in page
    actions = database.session.scalars(sa.select(AuditEntry.action)).all()
    assert "staff.login" in actions


def test_wrong_password_is_refused_and_audited(client, database):
    create_staff("qian", Role.CLERK, "clerk-password-123", actor="test")
    response = login(client, "qian", "not-the-password")
    assert response.status_code == 200
    assert "用户名或密码不正确" in response.get_data(as_text=True)
    assert client.get("/console/").status_code == 302
    actions = database.session.scalars(sa.select(AuditEntry.action)).all()
    assert "staff.login_failed" in actions


def test_login_form_without_csrf_token_is_refused(client, database):
    create_staff("sun", Role.CLERK, "clerk-password-123", actor="test")
    response = client.post("/console/login", data={"username": "sun", "password": "clerk-password-123"})
    assert response.status_code == 400
    assert client.get("/console/").status_code == 302


def test_every_console_form_needs_its_csrf_token(app, client, database):
    """Every POST under /console, whichever package adds it, is refused without the token
    (CSRF protection is by path, not by a list of blueprints to remember)."""
    import uuid

    samples = {"IntegerConverter": 1, "UUIDConverter": uuid.uuid4(),
               "ApplicationNumberConverter": "XM-WYC-20261130-000001"}
    urls = app.url_map.bind("localhost")
    posts = [rule for rule in app.url_map.iter_rules()
             if rule.rule.startswith("/console") and "POST" in rule.methods]
    assert len(posts) >= 20
    for rule in posts:
        values = {name: samples.get(type(converter).__name__, "x")
                  for name, converter in rule._converters.items()}
        path = urls.build(rule.endpoint, values)
        response = client.post(path, data={})
        assert response.status_code == 400, (rule.rule, response.status_code)
