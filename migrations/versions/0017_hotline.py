"""12328 and 好差评: tickets, their history, the units' members, the knowledge base, the SMS
outbox; a rating's evaluation items and the follow-up of every bad review.

Revision ID: 0017
Revises: 0010
"""
import sqlalchemy as sa
from alembic import op


revision = "0017"
down_revision = "0010"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('hotline_answers',
    sa.Column('code', sa.String(length=40), nullable=False),
    sa.Column('question', sa.String(length=200), nullable=False),
    sa.Column('answer', sa.Text(), nullable=False),
    sa.Column('matter_code', sa.String(length=40), nullable=True),
    sa.PrimaryKeyConstraint('code', name=op.f('pk_hotline_answers'))
    )
    op.create_table('hotline_tickets',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('number', sa.String(length=24), nullable=False),
    sa.Column('kind', sa.Enum('consultation', 'help', 'suggestion', 'complaint', 'report', 'praise', name='kind', native_enum=False, length=20), nullable=False),
    sa.Column('channel', sa.Enum('phone', 'app', 'kiosk', 'feed', name='ticketchannel', native_enum=False, length=20), nullable=False),
    sa.Column('state', sa.Enum('open', 'replied', 'closed', name='ticketstate', native_enum=False, length=20), nullable=False),
    sa.Column('person_id', sa.Integer(), nullable=True),
    sa.Column('caller_name', sa.String(length=50), nullable=True),
    sa.Column('caller_phone', sa.String(length=20), nullable=True),
    sa.Column('subject', sa.Enum('platform', 'driver', 'vehicle', 'bureau', name='subject', native_enum=False, length=20), nullable=False),
    sa.Column('subject_ref', sa.String(length=60), nullable=True),
    sa.Column('matter_code', sa.String(length=40), nullable=True),
    sa.Column('platform', sa.String(length=40), nullable=True),
    sa.Column('external_ref', sa.String(length=120), nullable=True),
    sa.Column('text', sa.Text(), nullable=False),
    sa.Column('rule', sa.String(length=40), nullable=False),
    sa.Column('assignee_kind', sa.Enum('unit', 'platform', 'agent', name='assignee', native_enum=False, length=20), nullable=False),
    sa.Column('assignee', sa.String(length=40), nullable=True),
    sa.Column('level', sa.Integer(), nullable=False),
    sa.Column('acknowledge_by', sa.Date(), nullable=False),
    sa.Column('handle_by', sa.Date(), nullable=False),
    sa.Column('reply_by', sa.Date(), nullable=False),
    sa.Column('deadline_known', sa.Boolean(), nullable=False),
    sa.Column('acknowledged_at', sa.DateTime(), nullable=True),
    sa.Column('handled_at', sa.DateTime(), nullable=True),
    sa.Column('finding', sa.Text(), nullable=True),
    sa.Column('upheld', sa.Boolean(), nullable=True),
    sa.Column('replied_at', sa.DateTime(), nullable=True),
    sa.Column('reply', sa.Text(), nullable=True),
    sa.Column('satisfaction', sa.Enum('satisfied', 'basically_satisfied', 'dissatisfied', name='satisfaction', native_enum=False, length=24), nullable=True),
    sa.Column('called_back_at', sa.DateTime(), nullable=True),
    sa.Column('closed_at', sa.DateTime(), nullable=True),
    sa.Column('reopened', sa.Integer(), nullable=False),
    sa.Column('escalated_at', sa.DateTime(), nullable=True),
    sa.Column('reminded_at', sa.DateTime(), nullable=True),
    sa.Column('extension_days', sa.Integer(), nullable=True),
    sa.Column('extension_reason', sa.String(length=500), nullable=True),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.Column('row_version', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['person_id'], ['people.id'], name=op.f('fk_hotline_tickets_person_id_people')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_hotline_tickets')),
    sa.UniqueConstraint('external_ref', name=op.f('uq_hotline_tickets_external_ref')),
    sa.UniqueConstraint('number', name=op.f('uq_hotline_tickets_number'))
    )
    with op.batch_alter_table('hotline_tickets', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_hotline_tickets_assignee'), ['assignee'], unique=False)
        batch_op.create_index(batch_op.f('ix_hotline_tickets_created_at'), ['created_at'], unique=False)
        batch_op.create_index(batch_op.f('ix_hotline_tickets_person_id'), ['person_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_hotline_tickets_state'), ['state'], unique=False)
        batch_op.create_index(batch_op.f('ix_hotline_tickets_subject_ref'), ['subject_ref'], unique=False)
        batch_op.create_index(batch_op.f('ix_hotline_tickets_platform'), ['platform'], unique=False)

    op.create_table('hotline_unit_members',
    sa.Column('staff_id', sa.Integer(), nullable=False),
    sa.Column('unit_code', sa.String(length=40), nullable=False),
    sa.ForeignKeyConstraint(['staff_id'], ['staff_users.id'], name=op.f('fk_hotline_unit_members_staff_id_staff_users')),
    sa.PrimaryKeyConstraint('staff_id', name=op.f('pk_hotline_unit_members'))
    )
    with op.batch_alter_table('hotline_unit_members', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_hotline_unit_members_unit_code'), ['unit_code'], unique=False)

    op.create_table('hotline_messages',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('ticket_id', sa.Integer(), nullable=False),
    sa.Column('phone', sa.String(length=20), nullable=False),
    sa.Column('text', sa.String(length=500), nullable=False),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.Column('sent_at', sa.DateTime(), nullable=True),
    sa.Column('attempts', sa.Integer(), nullable=False),
    sa.Column('last_error', sa.String(length=200), nullable=True),
    sa.ForeignKeyConstraint(['ticket_id'], ['hotline_tickets.id'], name=op.f('fk_hotline_messages_ticket_id_hotline_tickets')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_hotline_messages'))
    )
    with op.batch_alter_table('hotline_messages', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_hotline_messages_sent_at'), ['sent_at'], unique=False)
        batch_op.create_index(batch_op.f('ix_hotline_messages_ticket_id'), ['ticket_id'], unique=False)

    op.create_table('hotline_ticket_events',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('ticket_id', sa.Integer(), nullable=False),
    sa.Column('at', sa.DateTime(), nullable=False),
    sa.Column('actor', sa.String(length=120), nullable=False),
    sa.Column('action', sa.String(length=40), nullable=False),
    sa.Column('note', sa.Text(), nullable=True),
    sa.Column('public', sa.Boolean(), nullable=False),
    sa.ForeignKeyConstraint(['ticket_id'], ['hotline_tickets.id'], name=op.f('fk_hotline_ticket_events_ticket_id_hotline_tickets')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_hotline_ticket_events'))
    )
    with op.batch_alter_table('hotline_ticket_events', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_hotline_ticket_events_ticket_id'), ['ticket_id'], unique=False)

    op.create_table('bad_review_follow_ups',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('rating_id', sa.Integer(), nullable=False),
    sa.Column('state', sa.Enum('verifying', 'rectifying', 'calling_back', 'closed', name='followupstate', native_enum=False, length=20), nullable=False),
    sa.Column('rectify_by', sa.Date(), nullable=False),
    sa.Column('deadline_known', sa.Boolean(), nullable=False),
    sa.Column('verified_at', sa.DateTime(), nullable=True),
    sa.Column('verification', sa.Text(), nullable=True),
    sa.Column('founded', sa.Boolean(), nullable=True),
    sa.Column('rectified_at', sa.DateTime(), nullable=True),
    sa.Column('rectification', sa.Text(), nullable=True),
    sa.Column('called_back_at', sa.DateTime(), nullable=True),
    sa.Column('citizen_satisfied', sa.Boolean(), nullable=True),
    sa.Column('citizen_view', sa.String(length=500), nullable=True),
    sa.Column('closed_at', sa.DateTime(), nullable=True),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.Column('row_version', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['rating_id'], ['service_ratings.id'], name=op.f('fk_bad_review_follow_ups_rating_id_service_ratings')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_bad_review_follow_ups')),
    sa.UniqueConstraint('rating_id', name=op.f('uq_bad_review_follow_ups_rating_id'))
    )
    with op.batch_alter_table('bad_review_follow_ups', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_bad_review_follow_ups_state'), ['state'], unique=False)

    with op.batch_alter_table('service_ratings', schema=None) as batch_op:
        batch_op.add_column(sa.Column('items', sa.JSON(), nullable=True))



def downgrade():
    with op.batch_alter_table('service_ratings', schema=None) as batch_op:
        batch_op.drop_column('items')

    with op.batch_alter_table('bad_review_follow_ups', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_bad_review_follow_ups_state'))

    op.drop_table('bad_review_follow_ups')
    with op.batch_alter_table('hotline_ticket_events', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_hotline_ticket_events_ticket_id'))

    op.drop_table('hotline_ticket_events')
    with op.batch_alter_table('hotline_messages', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_hotline_messages_ticket_id'))
        batch_op.drop_index(batch_op.f('ix_hotline_messages_sent_at'))

    op.drop_table('hotline_messages')
    with op.batch_alter_table('hotline_unit_members', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_hotline_unit_members_unit_code'))

    op.drop_table('hotline_unit_members')
    with op.batch_alter_table('hotline_tickets', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_hotline_tickets_subject_ref'))
        batch_op.drop_index(batch_op.f('ix_hotline_tickets_platform'))
        batch_op.drop_index(batch_op.f('ix_hotline_tickets_state'))
        batch_op.drop_index(batch_op.f('ix_hotline_tickets_person_id'))
        batch_op.drop_index(batch_op.f('ix_hotline_tickets_created_at'))
        batch_op.drop_index(batch_op.f('ix_hotline_tickets_assignee'))

    op.drop_table('hotline_tickets')
    op.drop_table('hotline_answers')
