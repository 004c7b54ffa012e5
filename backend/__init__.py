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
# the package (``python -m backend.certificates.offline`` on an inspector's handheld) does not
# need them.
if TYPE_CHECKING:
    from flask import Flask

MIGRATIONS_DIR = Path(__file__).resolve().parent.parent / "migrations"
#: Where pages are signed in with a session cookie, and so need the CSRF token on every form.
COOKIE_SIGNED_IN = ("/console", "/h5")


def create_app(config: dict | None = None) -> Flask:
    from flask import Flask

    from backend import config as config_module
    from backend.common.private_files import private_directory, tighten_tree

    app = Flask(__name__, instance_path=_instance_path())
    private_directory(app.instance_path)  # keys and the database: for the service alone
    tighten_tree(app.instance_path)
    app.config.update(config_module.from_environment(app.instance_path))
    app.config.update(config or {})
    config_module.check_production_safety(app.config)
    from backend.platforms.province import check_configuration

    check_configuration(app.config)

    _configure_logging(app)
    _init_extensions(app)
    _register_blueprints(app)
    _register_commands(app)
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
    from sqlalchemy.orm.exc import StaleDataError

    from backend import http_security, storage, transactions
    from backend.common import limits, workdays
    from backend.db import db
    from backend.errors import JsonErrorApi, handle_stale, handle_unexpected
    from backend.extensions import csrf, login_manager, migrate
    from backend.hotline import routing as hotline_routing
    from backend.matters import registry

    storage.init_app(app)
    limits.init_app(app)  # (first: before the CSRF check or anything else reads the body)
    workdays.init_app(app)
    hotline_routing.init_app(app)
    db.init_app(app)
    migrate.init_app(app, db, directory=str(MIGRATIONS_DIR))
    login_manager.init_app(app)
    csrf.init_app(app)
    api = JsonErrorApi()  # (one per app: it holds the app's OpenAPI document)
    api.init_app(app)
    app.extensions["wyc_api"] = api
    app.register_error_handler(StaleDataError, handle_stale)
    app.register_error_handler(Exception, handle_unexpected)
    transactions.init_app(app)
    http_security.init_app(app)
    registry.discover()  # every domain's tables, rules and matter handlers
    with app.app_context():
        storage.configure(db.engine)
        _check_catalogue(db.engine)


def _check_catalogue(engine) -> None:
    """Every registered matter handler must be for a matter of the catalogue (once the
    database has one: ``flask setup`` creates it)."""
    import sqlalchemy as sa

    from backend.matters import registry

    try:
        with engine.connect() as connection:
            if sa.inspect(connection).has_table("matters"):
                registry.check_catalogue(connection.scalars(sa.text("SELECT code FROM matters")))
    except sa.exc.OperationalError:  # (the database is down: /healthz says so)
        logging.getLogger(__name__).warning("database unreachable: the matter catalogue was "
                                            "not checked against the registered handlers")
    except RuntimeError:
        engine.dispose()  # the start is refused: no pooled connection is left open behind it
        raise


def _register_blueprints(app: Flask) -> None:
    import mobile_api
    from backend.alerts import api as alerts_api
    from backend.alerts.console import alerts_console
    from backend.alerts.hook import hook as police_alerts_hook
    from backend.certificates.public import public as certificate_pages
    from backend.credit.console import credit_console
    from backend.credit.feed import credit_feed
    from backend.credit.public import credit_public
    from backend.devices import api as kiosk_api
    from backend.devices.console import devices_console
    from backend.enforcement import api as plates_api
    from backend.enforcement.console import enforcement_console
    from backend.enforcement.public import plate_pages
    from backend.extensions import csrf
    from backend.h5.pages import h5 as citizen_pages
    from backend.h5.public import public as passenger_pages
    from backend.health import health
    from backend.hotline import api as hotline_api
    from backend.hotline.console import hotline as hotline_console
    from backend.identity import api as dev_identity_api
    from backend.licensing.console import rechecks_console
    from backend.licensing.receipts import follow
    from backend.mailing.console import mailing as mailing_console
    from backend.notices.console import notices_console
    from backend.notices.feed import feed as notices_feed
    from backend.platforms import api as province_api
    from backend.platforms.console import platforms_console
    from backend.ratings.console import ratings_console
    from backend.staff import auth as _staff_auth  # noqa: F401  (user loader)
    from backend.staff import throttle
    from backend.staff.console import console
    from backend.supervision import public as public_compliance
    from backend.supervision.api import compliance_api, supervision_api
    from backend.supervision.console import supervision_console
    from backend.supervision.dashboard import compliance_console
    from backend.supervision.intake import intake as supervision_intake

    api = app.extensions["wyc_api"]
    _register_converters(app, api)
    app.register_blueprint(health)
    app.register_blueprint(console)
    throttle.init_app(app)  # (the console's sign-in view)
    app.register_blueprint(devices_console)
    app.register_blueprint(mailing_console)
    app.register_blueprint(platforms_console)
    app.register_blueprint(hotline_console)
    app.register_blueprint(ratings_console)
    app.register_blueprint(certificate_pages)
    app.register_blueprint(citizen_pages)
    app.register_blueprint(passenger_pages)
    app.register_blueprint(follow)
    app.register_blueprint(supervision_intake)
    app.register_blueprint(supervision_console)
    app.register_blueprint(supervision_api)
    app.register_blueprint(police_alerts_hook)
    app.register_blueprint(alerts_console)
    app.register_blueprint(credit_console)
    app.register_blueprint(credit_feed)
    app.register_blueprint(credit_public)
    app.register_blueprint(notices_feed)
    app.register_blueprint(notices_console)
    app.register_blueprint(rechecks_console)
    app.register_blueprint(compliance_console)
    app.register_blueprint(compliance_api)
    app.register_blueprint(enforcement_console)
    app.register_blueprint(plate_pages)
    mobile_api.register(api)
    kiosk_api.register(api)
    api.register_blueprint(province_api.blp)
    api.register_blueprint(hotline_api.blp)
    alerts_api.register(api)
    api.register_blueprint(public_compliance.blp)
    api.register_blueprint(plates_api.staff)
    api.register_blueprint(plates_api.public)
    if app.config["IDP_MODE"] == "dev":
        from backend.identity.assertions import ensure_dev_provider_keys

        ensure_dev_provider_keys(app.config["IDP_DEV_PRIVATE_KEY_FILE"],
                                 app.config["IDP_PUBLIC_KEY_FILE"])
        api.register_blueprint(dev_identity_api.blp)
    # The JSON APIs authenticate with bearer tokens or signatures, never with cookies: only the
    # pages signed in with a session cookie (the staff console under /console, the citizen's
    # H5 pages under /h5) need the CSRF token, so a blueprint added there later is protected
    # without being listed.
    for blueprint in app.blueprints.values():
        if not (blueprint.url_prefix or "").startswith(COOKIE_SIGNED_IN):
            csrf.exempt(blueprint)


def _register_converters(app: Flask, api) -> None:
    """Path parameters with a shape of their own: matched by the routes, stated in the
    OpenAPI document."""
    from backend.licensing.schemas import ApplicationNumberConverter, application_number_parameter

    app.url_map.converters["application_number"] = ApplicationNumberConverter
    api.register_converter(ApplicationNumberConverter, application_number_parameter)


def _register_commands(app: Flask) -> None:
    from backend.alerts.cli import alerts_cli
    from backend.audit.cli import audit_cli
    from backend.certificates.cli import certificates_cli, keys_cli
    from backend.cli import setup_command
    from backend.credit.cli import credit_cli
    from backend.devices.cli import devices_cli
    from backend.drivers.cli import exams_cli
    from backend.enforcement.cli import enforcement_cli
    from backend.hotline.cli import hotline_cli
    from backend.licensing.cli import licensing_cli
    from backend.mailing.cli import mailing_cli
    from backend.matters.cli import matters_command
    from backend.notices.cli import notices_cli
    from backend.notify.cli import notify_cli
    from backend.platforms.cli import platforms_cli
    from backend.staff.cli import staff_cli
    from backend.supervision.cli import supervision_cli
    from backend.vehicles.cli import vehicles_cli
    from backend.verification.cli import registry_cli

    for command in (audit_cli, matters_command, staff_cli, setup_command, registry_cli, exams_cli,
                    platforms_cli, vehicles_cli, devices_cli, keys_cli, mailing_cli,
                    hotline_cli, notify_cli, supervision_cli, alerts_cli, credit_cli,
                    certificates_cli, notices_cli, licensing_cli, enforcement_cli):
        app.cli.add_command(command)
