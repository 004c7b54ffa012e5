"""Demo data for the embedded default: clearly labelled demo accounts, loaded into an empty
database by ``flask setup`` (so by ``make run``). Never loaded when LOAD_DEMO_DATA is off."""

from __future__ import annotations

import sqlalchemy as sa

from backend.db import db
from backend.staff.models import Role, StaffUser
from backend.staff.operations import create_staff

# Documented in the README; the console shows who is signed in.
DEMO_STAFF = [
    ("clerk", Role.CLERK, "演示窗口人员", "demo-clerk-2026"),
    ("examiner", Role.EXAMINER, "演示考试员", "demo-examiner-2026"),
    ("mailroom", Role.MAILROOM, "演示寄递员", "demo-mailroom-2026"),
    ("admin", Role.ADMIN, "演示管理员", "demo-admin-2026"),
]


def load_demo_data() -> bool:
    """Load everything once; return False when the database already has staff accounts."""
    if db.session.scalar(sa.select(sa.func.count()).select_from(StaffUser)):
        return False
    for username, role, display_name, password in DEMO_STAFF:
        create_staff(username, role, password, actor="demo", display_name=display_name)
    return True
