"""Console access: flask-login sessions and role checks."""

from __future__ import annotations

import functools

from flask import abort
from flask_login import current_user, login_required

from backend.db import db
from backend.extensions import login_manager
from backend.staff.models import Role, StaffUser

login_manager.login_view = "console.login"
login_manager.login_message = "请先登录工作人员控制台。"


@login_manager.user_loader
def load_user(user_id: str) -> StaffUser | None:
    return db.session.get(StaffUser, int(user_id)) if user_id.isdigit() else None


def roles_required(*roles: Role):
    """Signed-in staff with one of ``roles`` (admins may do everything); others get 403."""

    def decorator(view):
        @functools.wraps(view)
        @login_required
        def wrapped(*args, **kwargs):
            if not current_user.has_role(*roles):
                abort(403)
            return view(*args, **kwargs)

        return wrapped

    return decorator


def staff_actor() -> str:
    return f"staff:{current_user.username}"
