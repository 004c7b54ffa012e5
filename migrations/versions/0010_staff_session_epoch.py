"""Staff accounts get a session epoch: console sessions that carry an older one are refused.

Signing out, changing the password and disabling the account each raise it, ending every saved
session of the account (backend/staff/auth.py). Existing accounts start at 0.

Revision ID: 0010
Revises: 0011
"""
import sqlalchemy as sa
from alembic import op

revision = "0010"
down_revision = "0011"
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table("staff_users", schema=None) as batch_op:
        batch_op.add_column(sa.Column("session_epoch", sa.Integer(), nullable=False,
                                      server_default="0"))


def downgrade():
    with op.batch_alter_table("staff_users", schema=None) as batch_op:
        batch_op.drop_column("session_epoch")
