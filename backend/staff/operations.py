"""Staff accounts and sign-in."""

from __future__ import annotations

import sqlalchemy as sa

from backend.audit.operations import record
from backend.db import db, utcnow
from backend.staff.models import Role, StaffUser

MIN_PASSWORD_LENGTH = 10


class StaffError(ValueError):
    pass


def create_staff(username: str, role: Role, password: str, *, actor: str,
                 display_name: str | None = None) -> StaffUser:
    if len(password) < MIN_PASSWORD_LENGTH:
        raise StaffError(f"password must have at least {MIN_PASSWORD_LENGTH} characters")
    if db.session.scalar(sa.select(StaffUser).where(StaffUser.username == username)):
        raise StaffError(f"a staff account named {username!r} exists already")
    user = StaffUser(username=username, role=role, display_name=display_name or username)
    user.set_password(password)
    db.session.add(user)
    db.session.flush()
    record(actor, "staff.created", "staff", user.id, after={"username": username, "role": role})
    return user


def authenticate(username: str, password: str) -> StaffUser | None:
    """The active account with these credentials, its sign-in audited; ``None`` otherwise."""
    user = db.session.scalar(sa.select(StaffUser).where(StaffUser.username == username))
    if user is None or not user.active or not user.check_password(password):
        record(f"staff:{username}"[:120], "staff.login_failed", "staff", username)
        return None
    user.last_login_at = utcnow()
    record(f"staff:{user.username}", "staff.login", "staff", user.id)
    return user
