"""vehicles: the platform register and the vehicle_registry, insurance and gps mirrors

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-30 05:57:41.826299

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0003'
down_revision = '0002'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('mirror_gps',
    sa.Column('plate', sa.String(length=16), nullable=False),
    sa.Column('last_position_at', sa.DateTime(), nullable=False),
    sa.Column('imported_at', sa.DateTime(), nullable=False),
    sa.PrimaryKeyConstraint('plate', name=op.f('pk_mirror_gps'))
    )
    op.create_table('mirror_insurance',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('plate', sa.String(length=16), nullable=False),
    sa.Column('policy_number', sa.String(length=60), nullable=False),
    sa.Column('insurer', sa.String(length=100), nullable=False),
    sa.Column('kind', sa.String(length=60), nullable=False),
    sa.Column('valid_until', sa.Date(), nullable=False),
    sa.Column('imported_at', sa.DateTime(), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_mirror_insurance')),
    sa.UniqueConstraint('plate', 'policy_number', name=op.f('uq_mirror_insurance_plate_policy_number'))
    )
    with op.batch_alter_table('mirror_insurance', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_mirror_insurance_plate'), ['plate'], unique=False)

    op.create_table('mirror_vehicles',
    sa.Column('plate', sa.String(length=16), nullable=False),
    sa.Column('vin', sa.String(length=17), nullable=False),
    sa.Column('owner_id_number', sa.String(length=18), nullable=False),
    sa.Column('owner_name', sa.String(length=100), nullable=False),
    sa.Column('category', sa.String(length=30), nullable=False),
    sa.Column('seats', sa.Integer(), nullable=False),
    sa.Column('power_type', sa.String(length=8), nullable=False),
    sa.Column('wheelbase_mm', sa.Integer(), nullable=True),
    sa.Column('first_registered_on', sa.Date(), nullable=False),
    sa.Column('use_nature', sa.String(length=30), nullable=False),
    sa.Column('inspection_valid_until', sa.Date(), nullable=False),
    sa.Column('status', sa.String(length=20), nullable=False),
    sa.Column('imported_at', sa.DateTime(), nullable=False),
    sa.PrimaryKeyConstraint('plate', name=op.f('pk_mirror_vehicles'))
    )
    with op.batch_alter_table('mirror_vehicles', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_mirror_vehicles_owner_id_number'), ['owner_id_number'], unique=False)
        batch_op.create_index(batch_op.f('ix_mirror_vehicles_vin'), ['vin'], unique=False)

    op.create_table('platforms',
    sa.Column('code', sa.String(length=40), nullable=False),
    sa.Column('name', sa.String(length=200), nullable=False),
    sa.Column('uscc', sa.String(length=18), nullable=False),
    sa.Column('licence_number', sa.String(length=60), nullable=False),
    sa.Column('valid_until', sa.Date(), nullable=False),
    sa.Column('status', sa.String(length=20), nullable=False),
    sa.Column('imported_at', sa.DateTime(), nullable=False),
    sa.PrimaryKeyConstraint('code', name=op.f('pk_platforms'))
    )
    with op.batch_alter_table('platforms', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_platforms_uscc'), ['uscc'], unique=False)



def downgrade():
    with op.batch_alter_table('platforms', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_platforms_uscc'))

    op.drop_table('platforms')
    with op.batch_alter_table('mirror_vehicles', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_mirror_vehicles_vin'))
        batch_op.drop_index(batch_op.f('ix_mirror_vehicles_owner_id_number'))

    op.drop_table('mirror_vehicles')
    with op.batch_alter_table('mirror_insurance', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_mirror_insurance_plate'))

    op.drop_table('mirror_insurance')
    op.drop_table('mirror_gps')
