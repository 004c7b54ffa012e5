"""Production never has the demo data: ``flask setup`` loads none, ``LOAD_DEMO_DATA=1`` is
refused at the start, and the first administrator gets a password nobody else knows."""

import os
import subprocess
import sys
from pathlib import Path

import pytest
import sqlalchemy as sa

from backend import create_app
from backend.certificates.models import Certificate
from backend.config import ConfigurationError
from backend.db import db
from backend.identity.models import Person
from backend.staff.models import StaffUser
from backend.vehicles.models import MirrorVehicle
from backend.verification.models import MirrorIdentity
from tests.conftest import DATABASES, POSTGRES_URL, PostgresSchema
from tests.harness import post

PRODUCTION = {"APP_ENV": "production", "SECRET_KEY": "a-long-private-secret-from-the-vault",
              "IDP_MODE": "ixiamen"}
REPO = Path(__file__).resolve().parents[2]


@pytest.fixture
def production(monkeypatch, tmp_path):
    """The environment of a production installation (no LOAD_DEMO_DATA set)."""
    monkeypatch.setenv("INSTANCE_PATH", str(tmp_path))
    monkeypatch.delenv("LOAD_DEMO_DATA", raising=False)
    for name, value in PRODUCTION.items():
        monkeypatch.setenv(name, value)
    return tmp_path


@pytest.fixture(params=DATABASES)
def empty_database(request, tmp_path):
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path / 'production.sqlite3'}"
        return
    with PostgresSchema(POSTGRES_URL) as url:
        yield url


def test_production_setup_loads_no_demo_data(production, empty_database):
    app = create_app({"SQLALCHEMY_DATABASE_URI": empty_database,
                      "SIGNING_KEYS_DIR": str(production / "keys")})
    try:
        result = app.test_cli_runner().invoke(args=["setup"])
        assert result.exit_code == 0, result.output
        assert "demo data loaded" not in result.output
        assert "create the first administrator" in result.output
        with app.app_context():
            counts = {model.__name__: db.session.scalar(sa.select(sa.func.count()).select_from(model))
                      for model in (StaffUser, Person, MirrorIdentity, MirrorVehicle, Certificate)}
    finally:
        with app.app_context():
            db.engine.dispose()
    assert counts == dict.fromkeys(counts, 0)


def test_demo_data_in_production_is_refused_at_the_start(production, monkeypatch):
    monkeypatch.setenv("LOAD_DEMO_DATA", "1")
    with pytest.raises(ConfigurationError, match="LOAD_DEMO_DATA is not allowed in production"):
        create_app()


def test_flask_setup_with_demo_data_in_production_stops_with_the_reason(production):
    database = production / "refused.sqlite3"
    env = {**os.environ, "LOAD_DEMO_DATA": "1", "DATABASE_URL": f"sqlite:///{database}"}
    result = subprocess.run([sys.executable, "-m", "flask", "--app", "backend", "setup"], cwd=REPO,
                            env=env, capture_output=True, text=True, timeout=120)
    assert result.returncode != 0
    assert "LOAD_DEMO_DATA is not allowed in production" in result.stderr
    assert "staff create" in result.stderr
    assert "demo data loaded" not in result.stdout
    assert not database.exists() or database.stat().st_size == 0


def test_the_demo_loader_itself_refuses_production(app, database):
    from backend.demo import load_demo_data

    app.config["ENV_MODE"] = "production"
    try:
        with pytest.raises(ConfigurationError, match="LOAD_DEMO_DATA"):
            load_demo_data()
    finally:
        app.config["ENV_MODE"] = "development"
    assert not database.session.scalar(sa.select(sa.func.count()).select_from(StaffUser))


# -- the first administrator ------------------------------------------------------------------

def test_the_first_admin_from_a_password_file_signs_in(cli, client, database, tmp_path):
    secret = tmp_path / "admin-password"
    secret.write_text("a-long-private-password\n", encoding="utf-8")
    result = cli.invoke(args=["staff", "create", "chief", "--role", "admin",
                              "--password-file", str(secret)])
    assert result.exit_code == 0, result.output
    signed_in = post(client, "/console/login", {"username": "chief",
                                                "password": "a-long-private-password"})
    assert signed_in.status_code == 302
    assert "chief" in client.get("/console/").get_data(as_text=True)


@pytest.mark.parametrize("how", [
    {"input": ""}, {"input": "\n\n"}, {"file": ""},
    {"args": ["--password", "a-long-private-password"]},
], ids=["nothing typed", "empty lines typed", "empty file", "on the command line"])
def test_staff_create_needs_a_password(cli, database, tmp_path, how):
    args = ["staff", "create", "chief", "--role", "admin", *how.get("args", [])]
    if "file" in how:
        (tmp_path / "empty").write_text(how["file"])
        args += ["--password-file", str(tmp_path / "empty")]
    result = cli.invoke(args=args, input=how.get("input", ""))
    assert result.exit_code != 0
    assert not database.session.scalar(sa.select(StaffUser).where(StaffUser.username == "chief"))
