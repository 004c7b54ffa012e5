"""Notices to platforms (the outbox ``platform_notices`` and each platform's ``notice_url``),
and the regular re-check's runs and where it left each holder.

Revision ID: 0021
Revises: 0022
"""
import sqlalchemy as sa
from alembic import op


revision = "0021"
down_revision = "0022"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('recheck_runs',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('scope', sa.String(length=10), nullable=False),
    sa.Column('actor', sa.String(length=80), nullable=False),
    sa.Column('started_at', sa.DateTime(), nullable=False),
    sa.Column('finished_at', sa.DateTime(), nullable=True),
    sa.Column('holders', sa.Integer(), nullable=False),
    sa.Column('checked', sa.Integer(), nullable=False),
    sa.Column('incomplete', sa.Integer(), nullable=False),
    sa.Column('new_failures', sa.JSON(), nullable=False),
    sa.Column('alerts_raised', sa.Integer(), nullable=False),
    sa.Column('alerts_refused', sa.JSON(), nullable=False),
    sa.Column('unreachable', sa.JSON(), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_recheck_runs'))
    )
    op.create_table('recheck_holders',
    sa.Column('person_id', sa.Integer(), nullable=False),
    sa.Column('checked_at', sa.DateTime(), nullable=True),
    sa.Column('last_run_id', sa.Integer(), nullable=False),
    sa.Column('failing', sa.JSON(), nullable=False),
    sa.ForeignKeyConstraint(['last_run_id'], ['recheck_runs.id'], name=op.f('fk_recheck_holders_last_run_id_recheck_runs')),
    sa.ForeignKeyConstraint(['person_id'], ['people.id'], name=op.f('fk_recheck_holders_person_id_people')),
    sa.PrimaryKeyConstraint('person_id', name=op.f('pk_recheck_holders'))
    )
    with op.batch_alter_table('recheck_holders', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_recheck_holders_checked_at'), ['checked_at'], unique=False)

    op.create_table('platform_notices',
    sa.Column('id', sa.Integer(), autoincrement=False, nullable=False),
    sa.Column('notice_id', sa.String(length=36), nullable=False),
    sa.Column('platform_code', sa.String(length=40), nullable=False),
    sa.Column('certificate_id', sa.Integer(), nullable=False),
    sa.Column('subject', sa.String(length=80), nullable=False),
    sa.Column('event', sa.String(length=20), nullable=False),
    sa.Column('payload', sa.JSON(), nullable=False),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.Column('prev_hash', sa.String(length=64), nullable=False),
    sa.Column('hash', sa.String(length=64), nullable=False),
    sa.Column('delivered_at', sa.DateTime(), nullable=True),
    sa.Column('delivered_by', sa.String(length=10), nullable=True),
    sa.Column('attempts', sa.Integer(), nullable=False),
    sa.Column('next_attempt_at', sa.DateTime(), nullable=False),
    sa.Column('last_error', sa.String(length=300), nullable=True),
    sa.ForeignKeyConstraint(['certificate_id'], ['certificates.id'], name=op.f('fk_platform_notices_certificate_id_certificates')),
    sa.ForeignKeyConstraint(['platform_code'], ['platforms.code'], name=op.f('fk_platform_notices_platform_code_platforms')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_platform_notices')),
    sa.UniqueConstraint('notice_id', name=op.f('uq_platform_notices_notice_id'))
    )
    with op.batch_alter_table('platform_notices', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_platform_notices_certificate_id'), ['certificate_id'], unique=False)
        batch_op.create_index('ix_platform_notices_pending', ['platform_code', 'delivered_at', 'id'], unique=False)

    with op.batch_alter_table('platforms', schema=None) as batch_op:
        batch_op.add_column(sa.Column('notice_url', sa.String(length=300), nullable=True))



def downgrade():
    with op.batch_alter_table('platforms', schema=None) as batch_op:
        batch_op.drop_column('notice_url')

    with op.batch_alter_table('platform_notices', schema=None) as batch_op:
        batch_op.drop_index('ix_platform_notices_pending')
        batch_op.drop_index(batch_op.f('ix_platform_notices_certificate_id'))

    op.drop_table('platform_notices')
    with op.batch_alter_table('recheck_holders', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_recheck_holders_checked_at'))

    op.drop_table('recheck_holders')
    op.drop_table('recheck_runs')
