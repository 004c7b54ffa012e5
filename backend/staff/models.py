"""Staff accounts for the console: clerks, examiners, mailroom, provincial reviewers and
administrators."""

from __future__ import annotations

import datetime as dt
import enum
import functools

import sqlalchemy as sa
from flask_login import UserMixin
from sqlalchemy.orm import Mapped, mapped_column
from werkzeug.security import check_password_hash, generate_password_hash

from backend.db import Base, UTCDateTime, enum_column, utcnow


class Role(enum.StrEnum):
    CLERK = "clerk"
    EXAMINER = "examiner"
    MAILROOM = "mailroom"
    PROVINCE = "province"  # a provincial reviewer (省厅): the online-capability review
    AGENT = "agent"  # 12328 hotline agent: takes calls in, replies, calls back
    HANDLER = "handler"  # handles the tickets routed to their unit (backend.hotline)
    SUPERVISOR = "supervisor"  # supervision: dual compliance, rankings, leads, the bulletin
    OFFICER = "officer"  # enforcement: records dishonest behaviour, confirms camera cases
    ADMIN = "admin"


class StaffUser(UserMixin, Base):
    __tablename__ = "staff_users"

    id: Mapped[int] = mapped_column(primary_key=True)
    username: Mapped[str] = mapped_column(sa.String(64), unique=True)
    display_name: Mapped[str | None] = mapped_column(sa.String(100))
    password_hash: Mapped[str] = mapped_column(sa.String(256))
    role: Mapped[Role] = mapped_column(enum_column(Role))
    active: Mapped[bool] = mapped_column(default=True)
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)
    last_login_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)
    # A console session remembers the epoch it was opened in; raising it ends every session
    # of the account (sign-out, a new password, a disabled account: backend/staff/auth.py).
    session_epoch: Mapped[int] = mapped_column(default=0, server_default="0")

    def set_password(self, password: str) -> None:
        self.password_hash = generate_password_hash(password)

    def check_password(self, password: str) -> bool:
        return check_password_hash(self.password_hash, password)

    def get_id(self) -> str:
        """What flask-login keeps in the session cookie: the account and its session epoch."""
        return f"{self.id}.{self.session_epoch}"

    def end_sessions(self) -> None:
        self.session_epoch += 1

    @property
    def is_active(self) -> bool:  # flask-login refuses inactive accounts
        return self.active

    def has_role(self, *roles: Role) -> bool:
        return self.role == Role.ADMIN or self.role in roles


@functools.cache
def _unknown_account_hash() -> str:
    return generate_password_hash("no account has this password")


def check_unknown_account(password: str) -> bool:
    """Verify ``password`` against a hash no account has, for a username that does not exist:
    the refusal then costs what a wrong password for a real account costs, so the time taken
    does not tell which usernames exist. Always ``False``."""
    check_password_hash(_unknown_account_hash(), password)
    return False
