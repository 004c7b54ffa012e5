"""Console access: flask-login sessions and role checks.

A session names its account and the account's session epoch (``StaffUser.get_id``). The
session cookie is signed, not stored: to end a session server-side the account's epoch is
raised (sign-out, a new password, a disabled account), and every cookie that names an older
epoch, a copy saved before sign-out included, loads no one and is sent to the login page.
"""

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
def load_user(session_id: str) -> StaffUser | None:
    user_id, _, epoch = session_id.partition(".")
    if not (user_id.isdigit() and epoch.isdigit()):
        return None  # (a session from before epochs, or not ours)
    user = db.session.get(StaffUser, int(user_id))
    if user is None or not user.active or user.session_epoch != int(epoch):
        return None
    return user


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
