"""The regular re-check of transport certificates: an alert names the certificate kind it is
about (and, for a transport certificate, the vehicle's plate); where the re-check left each
transport certificate (``recheck_vehicles``); a run's report counts vehicles too.

Every alert stored before is about a driver certificate.

Revision ID: 0028
Revises: 0023
"""
import sqlalchemy as sa
from alembic import op


revision = "0028"
down_revision = "0023"
branch_labels = None
depends_on = None

KIND = sa.Enum("driver", "transport", "platform", name="kind", native_enum=False, length=20)


def upgrade():
    with op.batch_alter_table("police_alerts", schema=None) as batch_op:
        batch_op.add_column(sa.Column("certificate_kind", KIND, nullable=False,
                                      server_default="driver"))
        batch_op.add_column(sa.Column("plate", sa.String(length=16), nullable=True))
    with op.batch_alter_table("police_alerts", schema=None) as batch_op:
        batch_op.alter_column("certificate_kind", server_default=None)

    with op.batch_alter_table("recheck_runs", schema=None) as batch_op:
        for name in ("vehicles", "vehicles_checked", "vehicles_incomplete"):
            batch_op.add_column(sa.Column(name, sa.Integer(), nullable=False, server_default="0"))
    with op.batch_alter_table("recheck_runs", schema=None) as batch_op:
        for name in ("vehicles", "vehicles_checked", "vehicles_incomplete"):
            batch_op.alter_column(name, server_default=None)

    op.create_table(
        "recheck_vehicles",
        sa.Column("certificate_number", sa.String(length=60), nullable=False),
        sa.Column("checked_at", sa.DateTime(), nullable=True),
        sa.Column("last_run_id", sa.Integer(), nullable=False),
        sa.Column("failing", sa.JSON(), nullable=False),
        sa.ForeignKeyConstraint(["last_run_id"], ["recheck_runs.id"],
                                name=op.f("fk_recheck_vehicles_last_run_id_recheck_runs")),
        sa.PrimaryKeyConstraint("certificate_number", name=op.f("pk_recheck_vehicles")))
    with op.batch_alter_table("recheck_vehicles", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_recheck_vehicles_checked_at"), ["checked_at"],
                              unique=False)


def downgrade():
    with op.batch_alter_table("recheck_vehicles", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_recheck_vehicles_checked_at"))
    op.drop_table("recheck_vehicles")
    with op.batch_alter_table("recheck_runs", schema=None) as batch_op:
        for name in ("vehicles_incomplete", "vehicles_checked", "vehicles"):
            batch_op.drop_column(name)
    with op.batch_alter_table("police_alerts", schema=None) as batch_op:
        batch_op.drop_column("plate")
        batch_op.drop_column("certificate_kind")
