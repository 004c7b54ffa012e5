"""kiosk: devices, request nonces, card sessions, their applications and service ratings

Revision ID: 0004
Revises: 0002
Create Date: 2026-11-30 06:07:44.891416

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0004'
down_revision = '0002'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('devices',
    sa.Column('id', sa.String(length=32), nullable=False),
    sa.Column('name', sa.String(length=100), nullable=False),
    sa.Column('location', sa.String(length=200), nullable=False),
    sa.Column('sealed_secret', sa.String(length=200), nullable=False),
    sa.Column('enabled', sa.Boolean(), nullable=False),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.Column('rekeyed_at', sa.DateTime(), nullable=True),
    sa.Column('disabled_at', sa.DateTime(), nullable=True),
    sa.Column('last_seen_at', sa.DateTime(), nullable=True),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_devices'))
    )
    op.create_table('kiosk_nonces',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('device_id', sa.String(length=32), nullable=False),
    sa.Column('nonce', sa.String(length=64), nullable=False),
    sa.Column('seen_at', sa.DateTime(), nullable=False),
    sa.ForeignKeyConstraint(['device_id'], ['devices.id'], name=op.f('fk_kiosk_nonces_device_id_devices')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_kiosk_nonces')),
    sa.UniqueConstraint('device_id', 'nonce', name=op.f('uq_kiosk_nonces_device_id_nonce'))
    )
    with op.batch_alter_table('kiosk_nonces', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_kiosk_nonces_seen_at'), ['seen_at'], unique=False)

    op.create_table('kiosk_sessions',
    sa.Column('id', sa.String(length=36), nullable=False),
    sa.Column('device_id', sa.String(length=32), nullable=False),
    sa.Column('person_id', sa.Integer(), nullable=False),
    sa.Column('chip_serial', sa.String(length=32), nullable=True),
    sa.Column('started_at', sa.DateTime(), nullable=False),
    sa.Column('expires_at', sa.DateTime(), nullable=False),
    sa.Column('ended_at', sa.DateTime(), nullable=True),
    sa.Column('end_reason', sa.Enum('card_removed', 'timeout', 'done', name='sessionend', native_enum=False, length=20), nullable=True),
    sa.ForeignKeyConstraint(['device_id'], ['devices.id'], name=op.f('fk_kiosk_sessions_device_id_devices')),
    sa.ForeignKeyConstraint(['person_id'], ['people.id'], name=op.f('fk_kiosk_sessions_person_id_people')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_kiosk_sessions'))
    )
    with op.batch_alter_table('kiosk_sessions', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_kiosk_sessions_device_id'), ['device_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_kiosk_sessions_person_id'), ['person_id'], unique=False)

    op.create_table('kiosk_applications',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('session_id', sa.String(length=36), nullable=False),
    sa.Column('application_id', sa.Integer(), nullable=False),
    sa.Column('transaction_id', sa.String(length=64), nullable=False),
    sa.ForeignKeyConstraint(['application_id'], ['applications.id'], name=op.f('fk_kiosk_applications_application_id_applications')),
    sa.ForeignKeyConstraint(['session_id'], ['kiosk_sessions.id'], name=op.f('fk_kiosk_applications_session_id_kiosk_sessions')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_kiosk_applications')),
    sa.UniqueConstraint('application_id', name=op.f('uq_kiosk_applications_application_id'))
    )
    with op.batch_alter_table('kiosk_applications', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_kiosk_applications_session_id'), ['session_id'], unique=False)

    op.create_table('service_ratings',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('application_id', sa.Integer(), nullable=False),
    sa.Column('session_id', sa.String(length=36), nullable=True),
    sa.Column('device_id', sa.String(length=32), nullable=True),
    sa.Column('channel', sa.String(length=10), nullable=False),
    sa.Column('level', sa.Integer(), nullable=False),
    sa.Column('comment', sa.String(length=500), nullable=True),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.CheckConstraint('level BETWEEN 1 AND 5', name=op.f('ck_service_ratings_level_range')),
    sa.ForeignKeyConstraint(['application_id'], ['applications.id'], name=op.f('fk_service_ratings_application_id_applications')),
    sa.ForeignKeyConstraint(['device_id'], ['devices.id'], name=op.f('fk_service_ratings_device_id_devices')),
    sa.ForeignKeyConstraint(['session_id'], ['kiosk_sessions.id'], name=op.f('fk_service_ratings_session_id_kiosk_sessions')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_service_ratings')),
    sa.UniqueConstraint('application_id', name=op.f('uq_service_ratings_application_id')),
    sa.UniqueConstraint('session_id', name=op.f('uq_service_ratings_session_id'))
    )
    with op.batch_alter_table('service_ratings', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_service_ratings_device_id'), ['device_id'], unique=False)



def downgrade():
    with op.batch_alter_table('service_ratings', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_service_ratings_device_id'))

    op.drop_table('service_ratings')
    with op.batch_alter_table('kiosk_applications', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_kiosk_applications_session_id'))

    op.drop_table('kiosk_applications')
    with op.batch_alter_table('kiosk_sessions', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_kiosk_sessions_person_id'))
        batch_op.drop_index(batch_op.f('ix_kiosk_sessions_device_id'))

    op.drop_table('kiosk_sessions')
    with op.batch_alter_table('kiosk_nonces', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_kiosk_nonces_seen_at'))

    op.drop_table('kiosk_nonces')
    op.drop_table('devices')
