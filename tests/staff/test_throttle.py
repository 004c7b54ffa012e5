"""Failed console sign-ins are throttled per account and per address, on memory and on Redis;
the refusals say how long to wait, and the audit log grows by the allowance at most."""

import contextlib
import socket
import uuid

import pytest
import sqlalchemy as sa

from backend.audit.models import AuditEntry
from backend.db import db
from backend.staff.models import Role
from backend.staff.operations import create_staff
from tests.conftest import DATABASES, POSTGRES_URL, PostgresSchema, make_app
from tests.harness import STAFF_PASSWORD, post

ALLOWANCE = {"LOGIN_LIMIT_PER_ACCOUNT": "3 per 15 minutes",
             "LOGIN_LIMIT_PER_ADDRESS": "5 per 15 minutes"}
REDIS = ("127.0.0.1", 6379)


def redis_answers() -> bool:
    try:
        socket.create_connection(REDIS, timeout=1).close()
    except OSError:
        return False
    return True


@pytest.fixture(params=DATABASES)
def build_app(request, tmp_path):
    """Apps (workers) on one fresh database whose requests commit; disposed afterwards."""
    apps = []
    with contextlib.ExitStack() as stack:
        url = (f"sqlite:///{tmp_path / 'throttle.sqlite3'}" if request.param == "sqlite"
               else stack.enter_context(PostgresSchema(POSTGRES_URL)))

        def build(**overrides):
            apps.append(make_app(url, tmp_path / f"instance{len(apps)}", **ALLOWANCE, **overrides))
            return apps[-1]

        yield build
        for app in apps:
            with app.app_context():
                db.engine.dispose()


def with_account(app, username="wang", role=Role.CLERK):
    with app.app_context():
        create_staff(username, role, STAFF_PASSWORD, actor="test")
        db.session.commit()
    return username


def sign_in(client, username, password):
    return post(client, "/console/login", {"username": username, "password": password})


def failed_sign_ins_audited(app, username) -> int:
    with app.app_context():
        return db.session.scalar(sa.select(sa.func.count()).select_from(AuditEntry).where(
            AuditEntry.action == "staff.login_failed", AuditEntry.object_id == username))


def from_address(app, address):
    client = app.test_client()
    client.environ_base["REMOTE_ADDR"] = address
    return client


def assert_refused_with_a_wait(response):
    assert response.status_code == 429
    page = response.get_data(as_text=True)
    assert "登录失败次数过多" in page and "Too many failed sign-ins" in page
    assert "分钟后再试" in page and 0 < int(response.headers["Retry-After"]) <= 15 * 60
    assert 'href="/static/site.css"' in page  # (the site's own page, not a bare error)


def test_an_accounts_failed_sign_ins_are_refused_after_its_allowance(build_app):
    app = build_app()
    username = with_account(app)
    clients = [from_address(app, f"198.51.100.{i}") for i in range(1, 6)]
    for client in clients[:3]:  # from three addresses: the account's own count
        assert sign_in(client, username, "a-wrong-password").status_code == 200
    # The fourth try is refused before the password is looked at, the right one too,
    # and the name's case does not make another account.
    assert_refused_with_a_wait(sign_in(clients[3], username, STAFF_PASSWORD))
    assert_refused_with_a_wait(sign_in(clients[4], username.upper(), "a-wrong-password"))
    assert failed_sign_ins_audited(app, username) == 3


def test_an_addresss_failed_sign_ins_are_refused_after_its_allowance(build_app):
    app = build_app()
    username = with_account(app)
    guesser = from_address(app, "203.0.113.9")
    for attempt in range(5):  # a different made-up account each time
        assert sign_in(guesser, f"guess{attempt}", "a-wrong-password").status_code == 200
    assert_refused_with_a_wait(sign_in(guesser, username, STAFF_PASSWORD))
    for attempt in range(20):  # a flood adds nothing more to the audit log
        assert sign_in(guesser, f"flood{attempt}", "x").status_code == 429
    with app.app_context():
        failures = db.session.scalar(sa.select(sa.func.count()).select_from(AuditEntry).where(
            AuditEntry.action == "staff.login_failed"))
    assert failures == 5
    # The clerk at another address signs in as usual.
    assert sign_in(from_address(app, "198.51.100.20"), username, STAFF_PASSWORD).status_code == 302


def test_successful_sign_ins_use_up_no_allowance(build_app):
    app = build_app()
    username = with_account(app)
    office = from_address(app, "198.51.100.30")
    for _ in range(8):
        assert sign_in(office, username, STAFF_PASSWORD).status_code == 302
        assert post(office, "/console/logout").status_code == 302


@pytest.mark.skipif(not redis_answers(), reason="no Redis answers on 127.0.0.1:6379")
def test_on_redis_every_worker_shares_the_count(build_app):
    import redis

    prefix = f"wyc-test-{uuid.uuid4().hex[:12]}"
    shared = {"RATELIMIT_STORAGE_URI": "redis://127.0.0.1:6379", "RATELIMIT_KEY_PREFIX": prefix}
    first_worker, second_worker = build_app(**shared), build_app(**shared)
    username = with_account(first_worker)
    server = redis.Redis(*REDIS)
    try:
        for worker in (first_worker, second_worker, first_worker):
            client = from_address(worker, "198.51.100.40")
            assert sign_in(client, username, "a-wrong-password").status_code == 200
        assert server.keys(f"*{prefix}*"), "the counters are kept in Redis"
        assert_refused_with_a_wait(sign_in(from_address(second_worker, "198.51.100.41"),
                                           username, STAFF_PASSWORD))
    finally:
        for key in server.keys(f"*{prefix}*"):
            server.delete(key)
        server.close()


def test_with_the_counters_store_unreachable_clerks_still_sign_in(build_app, caplog):
    app = build_app(RATELIMIT_STORAGE_URI="redis://127.0.0.1:9")  # (nothing listens there)
    username = with_account(app)
    client = from_address(app, "198.51.100.50")
    assert sign_in(client, username, "a-wrong-password").status_code == 200
    assert sign_in(client, username, STAFF_PASSWORD).status_code == 302
    assert "flask-limiter" in {record.name for record in caplog.records}
