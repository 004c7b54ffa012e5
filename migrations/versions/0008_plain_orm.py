"""Row versions for optimistic concurrency; the matter registry is the one source of channels
and checks.

``applications`` and ``certificates`` get a ``row_version`` (SQLAlchemy's ``version_id_col``):
a change made by a request that read an older version is refused (409) instead of
overwriting. ``matters.channels`` and ``matters.checks`` are dropped: each matter's handler
declares them (``backend.matters.registry``), and no code read ``checks``.

Revision ID: 0008
Revises: 0007
"""
import importlib.util
import json
from pathlib import Path

import sqlalchemy as sa
from alembic import op

revision = "0008"
down_revision = "0007"
branch_labels = None
depends_on = None

VERSIONED = ("applications", "certificates")
SENTINELS = ("application_events", "rule_results")  # (see the models: one INSERT for many rows)


def upgrade():
    for table in VERSIONED:
        with op.batch_alter_table(table, schema=None) as batch_op:
            batch_op.add_column(sa.Column("row_version", sa.Integer(), nullable=False,
                                          server_default="1"))
        with op.batch_alter_table(table, schema=None) as batch_op:
            batch_op.alter_column("row_version", server_default=None)
    with op.batch_alter_table("matters", schema=None) as batch_op:
        batch_op.drop_column("checks")
        batch_op.drop_column("channels")
    for table in SENTINELS:
        with op.batch_alter_table(table, schema=None) as batch_op:
            batch_op.add_column(sa.Column("_sentinel", sa.Integer(), nullable=True))


def downgrade():
    for table in SENTINELS:
        with op.batch_alter_table(table, schema=None) as batch_op:
            batch_op.drop_column("_sentinel")
    with op.batch_alter_table("matters", schema=None) as batch_op:
        batch_op.add_column(sa.Column("channels", sa.JSON(), nullable=False, server_default="[]"))
        batch_op.add_column(sa.Column("checks", sa.JSON(), nullable=False, server_default="[]"))
    matters = sa.table("matters", sa.column("code"), sa.column("channels"), sa.column("checks"))
    for row in _foundation().CATALOGUE:
        code, channels, checks = row[0], row[-3], row[-1]
        op.execute(matters.update().where(matters.c.code == code).values(
            channels=json.dumps(channels), checks=json.dumps(checks)))
    for table in VERSIONED:
        with op.batch_alter_table(table, schema=None) as batch_op:
            batch_op.drop_column("row_version")


def _foundation():
    """Migration 0001, whose catalogue held the values given back."""
    path = Path(__file__).with_name("0001_foundation_schema.py")
    spec = importlib.util.spec_from_file_location("foundation_0001", path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module
