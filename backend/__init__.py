"""Xiamen ride-hailing (网约车) licensing and supervision: the Flask backend.

``create_app`` is the one composition point: it binds the extensions, mounts the staff console,
the public pages and the mobile API's blueprints, and registers the command-line groups.
"""

from __future__ import annotations

import logging
import os
from pathlib import Path
from typing import TYPE_CHECKING

# Flask and SQLAlchemy are imported inside the functions, so that importing a light module of
# the package (``python -m backend.verify`` on an inspector's handheld) does not need them.
if TYPE_CHECKING:
    from flask import Flask

MIGRATIONS_DIR = Path(__file__).resolve().parent.parent / "migrations"


def create_app(config: dict | None = None) -> Flask:
    from flask import Flask

    from backend import config as config_module

    app = Flask(__name__, instance_path=_instance_path())
    Path(app.instance_path).mkdir(parents=True, exist_ok=True)
    app.config.update(config_module.from_environment(app.instance_path))
    app.config.update(config or {})
    config_module.check_production_safety(app.config)

    _configure_logging(app)
    _init_extensions(app)
    _register_blueprints(app)
    _register_commands(app)
    _register_request_hooks(app)
    return app


def _instance_path() -> str:
    return os.environ.get("INSTANCE_PATH") or str(Path(__file__).resolve().parent.parent / "instance")


def _configure_logging(app: Flask) -> None:
    from backend.common.masking import install_log_masking

    install_log_masking()
    if not app.debug and not app.testing:
        logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s")
        logging.getLogger("alembic.runtime.plugins").setLevel(logging.WARNING)


def _init_extensions(app: Flask) -> None:
    from backend.db import db
    from backend.errors import handle_unexpected
    from backend.extensions import api, csrf, login_manager, migrate

    # A server's connections can go stale (restarts, idle timeouts): each is tested when taken
    # from the pool. The embedded SQLite file's cannot, and every request would pay for it.
    app.config.setdefault("SQLALCHEMY_ENGINE_OPTIONS", {}).setdefault(
        "pool_pre_ping", not app.config["SQLALCHEMY_DATABASE_URI"].startswith("sqlite"))
    db.init_app(app)
    migrate.init_app(app, db, directory=str(MIGRATIONS_DIR))
    login_manager.init_app(app)
    csrf.init_app(app)
    api.init_app(app)
    app.extensions["wyc_api"] = api
    app.register_error_handler(Exception, handle_unexpected)
    _import_models()
    with app.app_context():
        if db.engine.dialect.name == "sqlite":
            from backend.db import tune_sqlite

            tune_sqlite(db.engine)


def _import_models() -> None:
    """Every model module, so metadata (and Alembic) sees all tables."""
    from backend.audit import models as _audit  # noqa: F401
    from backend.certificates import models as _certificates  # noqa: F401
    from backend.devices import models as _devices  # noqa: F401
    from backend.identity import models as _identity  # noqa: F401

    # Handlers and rules register themselves on import.
    from backend.licensing import driver_rules as _driver_rules  # noqa: F401
    from backend.licensing import exams as _exams  # noqa: F401
    from backend.licensing import models as _licensing  # noqa: F401
    from backend.licensing import operations as _operations  # noqa: F401
    from backend.mailing import models as _mailing  # noqa: F401
    from backend.matters import models as _matters  # noqa: F401
    from backend.staff import models as _staff  # noqa: F401

    # Vehicles: models, source readers, importers, rules and matter handlers.
    from backend.vehicles import imports as _vehicle_imports  # noqa: F401
    from backend.vehicles import models as _vehicles  # noqa: F401
    from backend.vehicles import operations as _vehicle_operations  # noqa: F401
    from backend.vehicles import rules as _vehicle_rules  # noqa: F401
    from backend.verification import models as _verification  # noqa: F401


def _register_blueprints(app: Flask) -> None:
    import mobile_api
    from backend.certificates.views import public as certificate_pages
    from backend.devices import views as kiosk_api
    from backend.devices.console import devices_console
    from backend.extensions import api, csrf
    from backend.health import health
    from backend.identity import dev_views
    from backend.mailing.views import mailing as mailing_console
    from backend.staff import auth as _staff_auth  # noqa: F401  (user loader)
    from backend.staff.views import console

    app.register_blueprint(health)
    app.register_blueprint(console)
    app.register_blueprint(devices_console)
    app.register_blueprint(mailing_console)
    app.register_blueprint(certificate_pages)
    mobile_api.register(api)
    kiosk_api.register(api)
    if app.config["IDP_MODE"] == "dev":
        from backend.identity.assertions import ensure_dev_provider_keys

        ensure_dev_provider_keys(app.config["IDP_DEV_PRIVATE_KEY_FILE"],
                                 app.config["IDP_PUBLIC_KEY_FILE"])
        api.register_blueprint(dev_views.blp)
    # The JSON APIs authenticate with bearer tokens or signatures, never with cookies.
    for name, blueprint in app.blueprints.items():
        if name not in {"console", "devices_console", "mailing"}:
            csrf.exempt(blueprint)


def _register_commands(app: Flask) -> None:
    from backend.audit.cli import audit_cli
    from backend.certificates.cli import keys_cli
    from backend.cli import setup_command
    from backend.devices.cli import devices_cli
    from backend.licensing.cli import exams_cli
    from backend.mailing.cli import mailing_cli
    from backend.matters.cli import matters_command
    from backend.staff.cli import staff_cli
    from backend.vehicles.cli import platforms_cli, vehicles_cli
    from backend.verification.cli import registry_cli

    for command in (audit_cli, matters_command, staff_cli, setup_command, registry_cli, exams_cli,
                    platforms_cli, vehicles_cli, devices_cli, keys_cli, mailing_cli):
        app.cli.add_command(command)


def _register_request_hooks(app: Flask) -> None:
    from backend.db import db

    @app.after_request
    def commit_or_roll_back(response):
        """One commit point per request: operations only flush."""
        if not db.session().in_transaction():  # (a view that committed itself)
            return response
        if response.status_code < 400:
            db.session.commit()
        else:
            db.session.rollback()
        return response
