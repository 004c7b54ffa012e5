"""A start refused by the catalogue check leaves no database connection open behind it (the
pooled one was found by the garbage collector later, in whichever test was running then)."""

import uuid

import pytest
import sqlalchemy as sa

from backend.db import db
from backend.matters import registry
from backend.matters.registry import Channel
from tests.conftest import POSTGRES_URL, PostgresSchema, make_app


@pytest.mark.skipif(POSTGRES_URL is None, reason="no PostgreSQL server answers")
def test_a_refused_start_closes_its_database_connection(monkeypatch, tmp_path):
    class Stray(registry.Handler):
        code, channels = "driver-cert-typo", (Channel.APP,)

    name = f"refused-{uuid.uuid4().hex[:12]}"
    with PostgresSchema(POSTGRES_URL) as url:
        with make_app(url, tmp_path / "first").app_context():  # (the catalogue, migrated)
            db.engine.dispose()
        monkeypatch.setitem(registry.HANDLERS, "driver-cert-typo", Stray())
        with pytest.raises(RuntimeError, match="driver-cert-typo"):
            make_app(url, tmp_path / "refused", SQLALCHEMY_ENGINE_OPTIONS={
                "connect_args": {"application_name": name}})
        assert open_connections(name) == 0


def open_connections(application_name: str) -> int:
    monitor = sa.create_engine(POSTGRES_URL)
    try:
        with monitor.connect() as connection:
            return connection.scalar(sa.text(
                "SELECT count(*) FROM pg_stat_activity WHERE application_name = :name"),
                {"name": application_name})
    finally:
        monitor.dispose()
