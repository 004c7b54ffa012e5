"""What the service keeps on disk is for its own user: everything under ``instance/`` (the
SQLite database, the signing keys, the development identity provider's keys) is created 0600
(files) and 0700 (folders) whatever the umask, and what is found open to others is tightened
with a warning."""

import contextlib
import logging
import os
import stat

import flask_migrate
import pytest

from backend import create_app
from backend.db import db
from tests.conftest import DATABASES, POSTGRES_URL, PostgresSchema


def mode(path) -> int:
    return stat.S_IMODE(os.stat(path).st_mode)


@pytest.fixture
def lax_umask():
    """The common umask 022, under which new files are world-readable unless made otherwise."""
    previous = os.umask(0o022)
    yield
    os.umask(previous)


@pytest.fixture
def embedded_default(monkeypatch, tmp_path, lax_umask):
    """Start the service as `make run` does with no variables set: ``build()`` an app, set up."""
    for name in ("DATABASE_URL", "SIGNING_KEYS_DIR", "IDP_PUBLIC_KEY_FILE",
                 "IDP_DEV_PRIVATE_KEY_FILE", "APP_ENV", "IDP_MODE"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("INSTANCE_PATH", str(tmp_path / "instance"))
    apps = []

    def build(**config):
        apps.append(create_app({"LOAD_DEMO_DATA": False, **config}))
        with apps[-1].app_context():
            flask_migrate.upgrade(revision="head")
        return apps[-1]

    yield build
    for app in apps:
        with app.app_context():
            db.engine.dispose()


def everything_under(root):
    for folder, _, files in os.walk(root):
        yield folder, 0o700
        yield from ((os.path.join(folder, name), 0o600) for name in files)


@pytest.mark.parametrize("database", DATABASES)
def test_everything_the_service_creates_under_instance_is_private(embedded_default, database,
                                                                   tmp_path):
    with contextlib.ExitStack() as stack:
        config = {} if database == "sqlite" else {
            "SQLALCHEMY_DATABASE_URI": stack.enter_context(PostgresSchema(POSTGRES_URL))}
        app = embedded_default(**config)
        with app.app_context():  # (a signing key, as the first certificate would make)
            assert app.test_cli_runner().invoke(args=["keys", "rotate"]).exit_code == 0
        instance = tmp_path / "instance"
        created = {path.name for path in instance.rglob("*")}
        assert {"dev-idp-private.pem", "dev-idp-public.pem", "keys", "keys.json", ".lock"} <= created
        if database == "sqlite":
            assert {"wyc.sqlite3", "wyc.sqlite3-wal", "wyc.sqlite3-shm",
                    "wyc.sqlite3.writer-lock"} <= created
        for path, private in everything_under(instance):
            assert mode(path) == private, path
        with app.app_context():
            db.engine.dispose()


def test_a_sqlite_database_elsewhere_is_created_private(embedded_default, tmp_path):
    elsewhere = tmp_path / "data" / "wyc.sqlite3"
    elsewhere.parent.mkdir()
    embedded_default(SQLALCHEMY_DATABASE_URI=f"sqlite:///{elsewhere}")
    assert mode(elsewhere) == 0o600 and mode(f"{elsewhere}-wal") == 0o600


def test_files_left_open_to_others_are_tightened_with_a_warning(embedded_default, tmp_path,
                                                                 caplog):
    instance = tmp_path / "instance"
    (instance / "keys").mkdir(parents=True)
    for path, lax in [(instance, 0o755), (instance / "keys", 0o775)]:
        path.chmod(lax)
    (instance / "wyc.sqlite3").touch(mode=0o644)
    (instance / "keys" / "abc123.pem").touch(mode=0o640)
    with caplog.at_level(logging.WARNING, logger="backend.common.private_files"):
        embedded_default()
    for path, private in everything_under(instance):
        assert mode(path) == private, path
    warned = caplog.text
    assert f"{instance / 'wyc.sqlite3'} was readable or writable by others (mode 0o644)" in warned
    assert str(instance / "keys" / "abc123.pem") in warned and str(instance / "keys") in warned
