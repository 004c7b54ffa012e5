import pytest

from backend import create_app
from backend.config import ConfigurationError, normalise_database_url


def test_production_refuses_the_default_secret_key(monkeypatch, tmp_path):
    monkeypatch.setenv("INSTANCE_PATH", str(tmp_path))
    monkeypatch.setenv("APP_ENV", "production")
    monkeypatch.setenv("IDP_MODE", "ixiamen")
    monkeypatch.delenv("SECRET_KEY", raising=False)
    with pytest.raises(ConfigurationError, match="SECRET_KEY"):
        create_app()


def test_production_refuses_the_development_identity_provider(monkeypatch, tmp_path):
    monkeypatch.setenv("INSTANCE_PATH", str(tmp_path))
    monkeypatch.setenv("APP_ENV", "production")
    monkeypatch.setenv("SECRET_KEY", "a-long-private-secret-from-the-vault")
    monkeypatch.setenv("IDP_MODE", "dev")
    with pytest.raises(ConfigurationError, match="IDP_MODE"):
        create_app()


def test_embedded_default_needs_no_variables(monkeypatch, tmp_path):
    for name in ("DATABASE_URL", "SECRET_KEY", "IDP_MODE", "APP_ENV"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("INSTANCE_PATH", str(tmp_path))
    app = create_app()
    assert app.config["SQLALCHEMY_DATABASE_URI"] == f"sqlite:///{tmp_path / 'wyc.sqlite3'}"
    assert app.config["IDP_MODE"] == "dev"


def test_postgres_urls_are_driven_by_psycopg3():
    assert normalise_database_url("postgresql://u@h/d") == "postgresql+psycopg://u@h/d"
    assert normalise_database_url("postgres://u@h/d") == "postgresql+psycopg://u@h/d"


def test_dev_identity_provider_is_404_outside_dev_mode(app_factory, tmp_path):
    app = app_factory(IDP_MODE="ixiamen",
                   IDP_PUBLIC_KEY_FILE=str(tmp_path / "provider.pem"))
    response = app.test_client().post("/dev/idp/token",
                                      json={"id_number": "11010519491231002X", "name": "张三"})
    assert response.status_code == 404
    assert response.json["code"] == 404


def test_the_qr_codes_links_follow_the_port_make_run_serves_on(monkeypatch, tmp_path):
    from backend.config import from_environment

    monkeypatch.delenv("PUBLIC_BASE_URL", raising=False)
    monkeypatch.setenv("PORT", "8080")
    assert from_environment(str(tmp_path))["PUBLIC_BASE_URL"] == "http://127.0.0.1:8080"
    monkeypatch.setenv("PUBLIC_BASE_URL", "https://wyc.example.gov.cn/")
    assert from_environment(str(tmp_path))["PUBLIC_BASE_URL"] == "https://wyc.example.gov.cn"


def test_a_kiosks_configuration_with_its_secret_is_never_committed():
    from pathlib import Path

    ignored = (Path(__file__).resolve().parents[2] / ".gitignore").read_text().split()
    assert "kiosk.toml" in ignored
