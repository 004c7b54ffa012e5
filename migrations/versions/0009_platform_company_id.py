"""The platform register learns the ministry's ``CompanyId`` and the licence's first day.

``company_id`` (unique, V32) is what the supervision intake matches a platform's data to;
``licensed_from`` is when its data starts to count. Both nullable: registers exported before
this revision carry neither.

Revision ID: 0009
Revises: 0008
"""
import sqlalchemy as sa
from alembic import op

revision = "0009"
down_revision = "0008"
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table("platforms", schema=None) as batch_op:
        batch_op.add_column(sa.Column("company_id", sa.String(length=32), nullable=True))
        batch_op.add_column(sa.Column("licensed_from", sa.Date(), nullable=True))
        batch_op.create_unique_constraint("uq_platforms_company_id", ["company_id"])


def downgrade():
    with op.batch_alter_table("platforms", schema=None) as batch_op:
        batch_op.drop_constraint("uq_platforms_company_id", type_="unique")
        batch_op.drop_column("licensed_from")
        batch_op.drop_column("company_id")
