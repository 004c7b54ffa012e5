"""Staff accounts and sign-in."""

from __future__ import annotations

import sqlalchemy as sa

from backend.audit.operations import record
from backend.db import db, utcnow
from backend.staff.models import Role, StaffUser, check_unknown_account

MIN_PASSWORD_LENGTH = 10


class StaffError(ValueError):
    pass


def _check_length(password: str) -> None:
    if len(password) < MIN_PASSWORD_LENGTH:
        raise StaffError(f"password must have at least {MIN_PASSWORD_LENGTH} characters")


def by_username(username: str) -> StaffUser | None:
    return db.session.scalar(sa.select(StaffUser).where(StaffUser.username == username))


def create_staff(username: str, role: Role, password: str, *, actor: str,
                 display_name: str | None = None) -> StaffUser:
    _check_length(password)
    if by_username(username):
        raise StaffError(f"a staff account named {username!r} exists already")
    user = StaffUser(username=username, role=role, display_name=display_name or username)
    user.set_password(password)
    db.session.add(user)
    db.session.flush()
    record(actor, "staff.created", "staff", user.id, after={"username": username, "role": role})
    return user


def authenticate(username: str, password: str) -> StaffUser | None:
    """The active account with these credentials, its sign-in audited; ``None`` otherwise.

    A password is verified against a hash whether or not the account exists or is active, so
    a refusal takes as long for an unknown username as for a known one. Failures are audited;
    the login throttle (backend/staff/throttle.py) bounds how many one can cause.
    """
    user = by_username(username)
    matches = user.check_password(password) if user else check_unknown_account(password)
    if not matches or not user.active:
        record(f"staff:{username}"[:120], "staff.login_failed", "staff", username)
        return None
    user.last_login_at = utcnow()
    record(f"staff:{user.username}", "staff.login", "staff", user.id)
    return user


def sign_out(user: StaffUser) -> None:
    """End every console session of the account, this one and any copy of its cookie."""
    user.end_sessions()
    record(f"staff:{user.username}", "staff.logout", "staff", user.id)


def change_password(user: StaffUser, password: str, *, actor: str) -> None:
    """A new password; every session opened with the old one ends."""
    _check_length(password)
    user.set_password(password)
    user.end_sessions()
    record(actor, "staff.password_changed", "staff", user.id)


def set_active(user: StaffUser, active: bool, *, actor: str) -> None:
    """Disable (or enable again) an account; disabling ends its sessions at once."""
    if user.active == active:
        return
    user.active = active
    if not active:
        user.end_sessions()
    record(actor, "staff.enabled" if active else "staff.disabled", "staff", user.id,
           before={"active": not active}, after={"active": active})
