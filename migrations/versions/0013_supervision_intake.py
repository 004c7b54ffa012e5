"""supervision intake: platforms' intake secrets and nonces, base information, the latest
position of each vehicle, refused records

Revision ID: 0013
Revises: 0017
"""
import sqlalchemy as sa
from alembic import op

revision = "0013"
down_revision = "0017"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "supervision_intake_credentials",
        sa.Column("platform_code", sa.String(length=40), nullable=False),
        sa.Column("sealed_secret", sa.String(length=200), nullable=False),
        sa.Column("issued_at", sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(["platform_code"], ["platforms.code"],
                                name=op.f("fk_supervision_intake_credentials_platform_code_platforms")),
        sa.PrimaryKeyConstraint("platform_code", name=op.f("pk_supervision_intake_credentials")),
    )
    op.create_table(
        "supervision_intake_nonces",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("company_id", sa.String(length=32), nullable=False),
        sa.Column("nonce", sa.String(length=64), nullable=False),
        sa.Column("seen_at", sa.DateTime(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_supervision_intake_nonces")),
        sa.UniqueConstraint("company_id", "nonce",
                            name=op.f("uq_supervision_intake_nonces_company_id_nonce")),
    )
    op.create_index(op.f("ix_supervision_intake_nonces_seen_at"), "supervision_intake_nonces",
                    ["seen_at"])
    op.create_table(
        "supervision_base_records",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("company_id", sa.String(length=32), nullable=False),
        sa.Column("interface", sa.String(length=40), nullable=False),
        sa.Column("natural_key", sa.String(length=300), nullable=False),
        sa.Column("data", sa.JSON(), nullable=False),
        sa.Column("update_time", sa.BigInteger(), nullable=False),
        sa.Column("deleted", sa.Boolean(), nullable=False),
        sa.Column("received_at", sa.DateTime(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_supervision_base_records")),
        sa.UniqueConstraint("company_id", "interface", "natural_key",
                            name=op.f("uq_supervision_base_records_company_id_interface_natural_key")),
    )
    op.create_table(
        "supervision_vehicle_positions",
        sa.Column("company_id", sa.String(length=32), nullable=False),
        sa.Column("plate", sa.String(length=16), nullable=False),
        sa.Column("position_at", sa.DateTime(), nullable=False),
        sa.Column("longitude", sa.BigInteger(), nullable=False),
        sa.Column("latitude", sa.BigInteger(), nullable=False),
        sa.Column("encrypt", sa.Integer(), nullable=True),
        sa.Column("received_at", sa.DateTime(), nullable=False),
        sa.PrimaryKeyConstraint("company_id", "plate", name=op.f("pk_supervision_vehicle_positions")),
    )
    op.create_index(op.f("ix_supervision_vehicle_positions_position_at"),
                    "supervision_vehicle_positions", ["position_at"])
    op.create_index("ix_supervision_vehicle_positions_plate_at", "supervision_vehicle_positions",
                    ["plate", "position_at"])
    op.create_table(
        "supervision_rejected_records",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("company_id", sa.String(length=32), nullable=False),
        sa.Column("interface", sa.String(length=40), nullable=False),
        sa.Column("digest", sa.String(length=64), nullable=False),
        sa.Column("field", sa.String(length=64), nullable=True),
        sa.Column("reason", sa.String(length=32), nullable=False),
        sa.Column("day", sa.Date(), nullable=False),
        sa.Column("received_at", sa.DateTime(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_supervision_rejected_records")),
        sa.UniqueConstraint("company_id", "interface", "digest",
                            name=op.f("uq_supervision_rejected_records_company_id_interface_digest")),
    )
    op.create_index(op.f("ix_supervision_rejected_records_day"), "supervision_rejected_records",
                    ["day"])


def downgrade():
    op.drop_index(op.f("ix_supervision_rejected_records_day"), table_name="supervision_rejected_records")
    op.drop_table("supervision_rejected_records")
    op.drop_index("ix_supervision_vehicle_positions_plate_at", table_name="supervision_vehicle_positions")
    op.drop_index(op.f("ix_supervision_vehicle_positions_position_at"),
                  table_name="supervision_vehicle_positions")
    op.drop_table("supervision_vehicle_positions")
    op.drop_table("supervision_base_records")
    op.drop_index(op.f("ix_supervision_intake_nonces_seen_at"), table_name="supervision_intake_nonces")
    op.drop_table("supervision_intake_nonces")
    op.drop_table("supervision_intake_credentials")
