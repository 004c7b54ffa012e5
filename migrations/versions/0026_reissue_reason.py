"""A driver certificate's reissue (补发) takes its reason (lost or damaged).

The catalogue's ``driver-cert-reissue`` inputs gain ``reason``, as the transport certificate's
reissue has had, so the app and the counter ask for it.

Revision ID: 0026
Revises: 0027
"""
import sqlalchemy as sa
from alembic import op

revision = "0026"
down_revision = "0027"
branch_labels = None
depends_on = None

MATTERS = sa.table("matters", sa.column("code", sa.String), sa.column("inputs", sa.JSON))
REISSUE = "driver-cert-reissue"


def upgrade():
    op.execute(MATTERS.update().where(MATTERS.c.code == REISSUE)
               .values(inputs=["reason", "mailing_address"]))


def downgrade():
    op.execute(MATTERS.update().where(MATTERS.c.code == REISSUE).values(inputs=["mailing_address"]))
