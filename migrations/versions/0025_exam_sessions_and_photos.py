"""Exam sessions and bookings (where and when the driver exams are), and the holder's photo:
in the identity mirror (the population register's ID-card photo) and on each driver
certificate version as issued.

Revision ID: 0025
Revises: 0020
"""
import sqlalchemy as sa
from alembic import op


revision = "0025"
down_revision = "0020"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('exam_sessions',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('place', sa.String(length=200), nullable=False),
    sa.Column('starts_at', sa.DateTime(), nullable=False),
    sa.Column('capacity', sa.Integer(), nullable=False),
    sa.Column('booked', sa.Integer(), nullable=False),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.Column('created_by', sa.String(length=120), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_exam_sessions'))
    )
    op.create_index(op.f('ix_exam_sessions_starts_at'), 'exam_sessions', ['starts_at'], unique=False)
    op.create_table('exam_bookings',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('application_id', sa.Integer(), nullable=False),
    sa.Column('session_id', sa.Integer(), nullable=False),
    sa.Column('booked_at', sa.DateTime(), nullable=False),
    sa.Column('booked_by', sa.String(length=120), nullable=False),
    sa.ForeignKeyConstraint(['application_id'], ['applications.id'], name=op.f('fk_exam_bookings_application_id_applications')),
    sa.ForeignKeyConstraint(['session_id'], ['exam_sessions.id'], name=op.f('fk_exam_bookings_session_id_exam_sessions')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_exam_bookings')),
    sa.UniqueConstraint('application_id', 'session_id', name=op.f('uq_exam_bookings_application_id_session_id'))
    )
    op.create_index(op.f('ix_exam_bookings_application_id'), 'exam_bookings', ['application_id'], unique=False)
    op.create_index(op.f('ix_exam_bookings_session_id'), 'exam_bookings', ['session_id'], unique=False)
    with op.batch_alter_table('mirror_identity') as batch:
        batch.add_column(sa.Column('photo', sa.LargeBinary(), nullable=True))
    with op.batch_alter_table('certificates') as batch:
        batch.add_column(sa.Column('photo', sa.LargeBinary(), nullable=True))


def downgrade():
    with op.batch_alter_table('certificates') as batch:
        batch.drop_column('photo')
    with op.batch_alter_table('mirror_identity') as batch:
        batch.drop_column('photo')
    op.drop_index(op.f('ix_exam_bookings_session_id'), table_name='exam_bookings')
    op.drop_index(op.f('ix_exam_bookings_application_id'), table_name='exam_bookings')
    op.drop_table('exam_bookings')
    op.drop_index(op.f('ix_exam_sessions_starts_at'), table_name='exam_sessions')
    op.drop_table('exam_sessions')
