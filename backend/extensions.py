"""Extensions created unbound at import and bound to the app in ``create_app``."""

from flask_login import LoginManager
from flask_migrate import Migrate
from flask_wtf import CSRFProtect

from backend.db import db

migrate = Migrate(render_as_batch=True, compare_type=True)
login_manager = LoginManager()
csrf = CSRFProtect()
# (The JSON API, flask-smorest's ``Api``, is made per app in ``create_app``: it keeps the app's
# OpenAPI document on itself, so one shared instance would carry a second app's document.)

__all__ = ["db", "migrate", "login_manager", "csrf"]
