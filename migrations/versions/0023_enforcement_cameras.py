"""Enforcement cameras: plate reads with their classification, the alerts an officer decides,
and the messages on camera topics that were not reads.

Revision ID: 0023
Revises: 0026
"""
import sqlalchemy as sa
from alembic import op

revision = "0023"
down_revision = "0026"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('enforcement_alerts',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('plate', sa.String(length=16), nullable=False),
    sa.Column('open_plate', sa.String(length=16), nullable=True),
    sa.Column('status', sa.Enum('open', 'confirmed', 'dismissed', name='alertstatus', native_enum=False, length=20), nullable=False),
    sa.Column('reasons', sa.JSON(), nullable=False),
    sa.Column('companies', sa.JSON(), nullable=False),
    sa.Column('first_seen_at', sa.DateTime(), nullable=False),
    sa.Column('last_seen_at', sa.DateTime(), nullable=False),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.Column('decided_at', sa.DateTime(), nullable=True),
    sa.Column('decided_by', sa.String(length=80), nullable=True),
    sa.Column('note', sa.Text(), nullable=True),
    sa.Column('evidence', sa.JSON(), nullable=True),
    sa.Column('row_version', sa.Integer(), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_enforcement_alerts')),
    sa.UniqueConstraint('open_plate', name=op.f('uq_enforcement_alerts_open_plate'))
    )
    with op.batch_alter_table('enforcement_alerts', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_enforcement_alerts_plate'), ['plate'], unique=False)

    op.create_table('enforcement_rejected_reads',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('topic', sa.String(length=200), nullable=False),
    sa.Column('reason', sa.String(length=300), nullable=False),
    sa.Column('payload', sa.String(length=1000), nullable=False),
    sa.Column('received_at', sa.DateTime(), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_enforcement_rejected_reads'))
    )
    with op.batch_alter_table('enforcement_rejected_reads', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_enforcement_rejected_reads_received_at'), ['received_at'], unique=False)

    op.create_table('enforcement_reads',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('camera', sa.String(length=64), nullable=False),
    sa.Column('plate', sa.String(length=16), nullable=False),
    sa.Column('seen_at', sa.DateTime(), nullable=False),
    sa.Column('colour', sa.String(length=16), nullable=False),
    sa.Column('latitude', sa.Double(), nullable=False),
    sa.Column('longitude', sa.Double(), nullable=False),
    sa.Column('image_ref', sa.String(length=300), nullable=True),
    sa.Column('received_at', sa.DateTime(), nullable=False),
    sa.Column('result', sa.Enum('licensed', 'suspected', 'ordinary', name='result', native_enum=False, length=20), nullable=False),
    sa.Column('platform_code', sa.String(length=40), nullable=True),
    sa.Column('companies', sa.String(length=200), nullable=True),
    sa.Column('blacklisted', sa.Boolean(), nullable=False),
    sa.Column('alert_id', sa.Integer(), nullable=True),
    sa.ForeignKeyConstraint(['alert_id'], ['enforcement_alerts.id'], name=op.f('fk_enforcement_reads_alert_id_enforcement_alerts')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_enforcement_reads')),
    sa.UniqueConstraint('plate', 'seen_at', 'camera', name=op.f('uq_enforcement_reads_plate_seen_at_camera'))
    )


def downgrade():
    op.drop_table('enforcement_reads')
    with op.batch_alter_table('enforcement_rejected_reads', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_enforcement_rejected_reads_received_at'))

    op.drop_table('enforcement_rejected_reads')
    with op.batch_alter_table('enforcement_alerts', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_enforcement_alerts_plate'))

    op.drop_table('enforcement_alerts')
