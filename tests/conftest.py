"""Shared fixtures: the app on every database we test, each test inside a rolled-back transaction.

The suite runs on SQLite always and on PostgreSQL when ``TEST_DATABASE_URL`` is set or a server
answers on 127.0.0.1:5432 (database ``test``, trust authentication). Each PostgreSQL run works
in a schema of its own, created by the migrations and dropped at the end.
"""

from __future__ import annotations

import os
import socket
import uuid
from urllib.parse import quote

import flask_migrate
import pytest
import sqlalchemy as sa
from flask_sqlalchemy.session import Session

from backend import create_app
from backend.db import db

DEFAULT_PG_URL = "postgresql+psycopg://postgres@127.0.0.1:5432/test"


def _postgres_url() -> str | None:
    url = os.environ.get("TEST_DATABASE_URL")
    if url:
        return url
    try:
        socket.create_connection(("127.0.0.1", 5432), timeout=1).close()
    except OSError:
        return None
    return DEFAULT_PG_URL


POSTGRES_URL = _postgres_url()


def pytest_addoption(parser):
    parser.addoption("--hardware", action="store_true",
                     help="also run the tests that need a real ID card reader with a card on it")


def pytest_collection_modifyitems(config, items):
    if config.getoption("--hardware"):
        return
    skip = pytest.mark.skip(reason="needs a real card reader: run with --hardware")
    for item in items:
        if "hardware" in item.keywords:
            item.add_marker(skip)
DATABASES = ["sqlite"] + (["postgresql"] if POSTGRES_URL else [])


def with_search_path(url: str, schema: str) -> str:
    separator = "&" if "?" in url else "?"
    return f"{url}{separator}options={quote(f'-csearch_path={schema}')}"


class PostgresSchema:
    """A throw-away schema on the test server, so parallel runs never see each other."""

    def __init__(self, base_url: str):
        self.base_url = base_url
        self.name = f"t_{uuid.uuid4().hex[:12]}"
        self.engine = sa.create_engine(base_url, isolation_level="AUTOCOMMIT")

    def __enter__(self) -> str:
        with self.engine.connect() as connection:
            connection.exec_driver_sql(f"CREATE SCHEMA {self.name}")
        return with_search_path(self.base_url, self.name)

    def __exit__(self, *exc):
        with self.engine.connect() as connection:
            connection.exec_driver_sql(f"DROP SCHEMA IF EXISTS {self.name} CASCADE")
        self.engine.dispose()


def make_app(database_url: str, instance_path, **overrides):
    os.environ["INSTANCE_PATH"] = str(instance_path)
    config = {"TESTING": True, "SQLALCHEMY_DATABASE_URI": database_url, "LOAD_DEMO_DATA": False,
              "SIGNING_KEYS_DIR": str(instance_path / "keys")}
    config.update(overrides)
    app = create_app(config)
    with app.app_context():
        flask_migrate.upgrade(revision="head")
    return app


@pytest.fixture(scope="session", params=DATABASES)
def database_url(request, tmp_path_factory):
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path_factory.mktemp('sqlite') / 'test.sqlite3'}"
        return
    with PostgresSchema(POSTGRES_URL) as url:
        yield url


@pytest.fixture(scope="session")
def app(database_url, tmp_path_factory):
    app = make_app(database_url, tmp_path_factory.mktemp("instance"))
    yield app
    with app.app_context():
        db.engine.dispose()


@pytest.fixture
def database(app):
    """An app context whose every session joins one outer transaction, rolled back at the end."""
    with app.app_context():
        engines = db.engines
        engine = engines[None]
        connection = engine.connect()
        transaction = connection.begin()
        engines[None] = connection
        original_session = db.session
        db.session = db._make_scoped_session({"class_": Session,
                                              "join_transaction_mode": "create_savepoint"})
        try:
            yield db
        finally:
            db.session.remove()
            db.session = original_session
            engines[None] = engine
            transaction.rollback()
            connection.close()


@pytest.fixture
def app_factory(database_url, tmp_path):
    """Build extra apps (other configurations) on the session's database; disposed afterwards."""
    apps = []

    def build(**overrides):
        apps.append(make_app(database_url, tmp_path / f"instance{len(apps)}", **overrides))
        return apps[-1]

    yield build
    for extra in apps:
        with extra.app_context():
            db.engine.dispose()


@pytest.fixture(scope="session")
def pcscd(tmp_path_factory):
    """The real PC/SC daemon with the vsmartcard vpcd readers, for the whole session (shared
    with one that already runs); card and kiosk tests put the project's virtual card in it."""
    from card_reader.daemon import PcscDaemon
    from card_reader.errors import CardReaderError

    daemon = PcscDaemon(log_path=tmp_path_factory.mktemp("pcscd") / "pcscd.log")
    try:
        daemon.start(timeout=20.0)
    except CardReaderError as error:
        pytest.fail(f"cannot run pcscd with the vpcd driver: {error}", pytrace=False)
    yield daemon
    daemon.stop()


@pytest.fixture
def committed_app(tmp_path):
    """An app on a throw-away PostgreSQL schema whose requests really commit (for races)."""
    with PostgresSchema(POSTGRES_URL) as url:
        app = make_app(url, tmp_path)
        yield app
        with app.app_context():
            db.engine.dispose()


@pytest.fixture
def sqlite_app(tmp_path):
    """An app on a SQLite file of its own whose requests really commit."""
    app = make_app(f"sqlite:///{tmp_path / 'wyc.sqlite3'}", tmp_path)
    yield app
    with app.app_context():
        db.engine.dispose()


@pytest.fixture
def sign_in(client, database):
    """``sign_in(Role.CLERK)``: a new staff account with that role, the client signed in as it."""
    from tests.harness import sign_in_as

    return lambda role: sign_in_as(client, role)


@pytest.fixture
def client(app, database):
    return app.test_client()


@pytest.fixture
def cli(app, database):
    return app.test_cli_runner()


@pytest.fixture
def dialect(app) -> str:
    with app.app_context():
        return db.engine.dialect.name
