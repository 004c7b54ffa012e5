"""Extensions created unbound at import and bound to the app in ``create_app``."""

from flask_login import LoginManager
from flask_migrate import Migrate
from flask_wtf import CSRFProtect

from backend.db import db
from backend.errors import JsonErrorApi

migrate = Migrate(render_as_batch=True, compare_type=True)
login_manager = LoginManager()
csrf = CSRFProtect()
api = JsonErrorApi()

__all__ = ["db", "migrate", "login_manager", "csrf", "api"]
