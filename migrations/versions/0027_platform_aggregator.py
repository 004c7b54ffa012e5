"""Platforms of the register that are aggregators (聚合平台): the dual-compliance ranking lists
them apart, as the ministry does.

Revision ID: 0027
Revises: 0021
"""
import sqlalchemy as sa
from alembic import op


revision = "0027"
down_revision = "0021"
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table("platforms", schema=None) as batch_op:
        batch_op.add_column(sa.Column("aggregator", sa.Boolean(), nullable=False,
                                      server_default=sa.false()))
    with op.batch_alter_table("platforms", schema=None) as batch_op:
        batch_op.alter_column("aggregator", server_default=None)


def downgrade():
    with op.batch_alter_table("platforms", schema=None) as batch_op:
        batch_op.drop_column("aggregator")
