"""mailing: print batches of the mailing room

Revision ID: 0005
Revises: 0002
Create Date: 2026-11-30 06:20:00.000000

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0005'
down_revision = '0002'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('mailing_batches',
    sa.Column('id', sa.String(length=40), nullable=False),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.Column('created_by', sa.String(length=120), nullable=False),
    sa.Column('item_count', sa.Integer(), nullable=False),
    sa.Column('print_count', sa.Integer(), nullable=False),
    sa.Column('last_printed_at', sa.DateTime(), nullable=True),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_mailing_batches'))
    )
    with op.batch_alter_table('mailing_items', schema=None) as batch_op:
        batch_op.create_foreign_key(batch_op.f('fk_mailing_items_batch_id_mailing_batches'),
                                    'mailing_batches', ['batch_id'], ['id'])


def downgrade():
    with op.batch_alter_table('mailing_items', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('fk_mailing_items_batch_id_mailing_batches'),
                                 type_='foreignkey')
    op.drop_table('mailing_batches')
