"""Messages to citizens in the app, and one SMS outbox for every domain (the hotline's
replies move into it from ``hotline_messages``).

Revision ID: 0019
Revises: 0018
"""
import sqlalchemy as sa
from alembic import op


revision = "0019"
down_revision = "0018"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('person_messages',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('person_id', sa.Integer(), nullable=False),
    sa.Column('kind', sa.String(length=60), nullable=False),
    sa.Column('title', sa.String(length=200), nullable=False),
    sa.Column('body', sa.Text(), nullable=False),
    sa.Column('reference', sa.String(length=60), nullable=True),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.Column('read_at', sa.DateTime(), nullable=True),
    sa.ForeignKeyConstraint(['person_id'], ['people.id'], name=op.f('fk_person_messages_person_id_people')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_person_messages'))
    )
    op.create_index(op.f('ix_person_messages_person_id'), 'person_messages', ['person_id'], unique=False)
    op.create_table('sms_outbox',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('phone', sa.String(length=20), nullable=False),
    sa.Column('text', sa.String(length=500), nullable=False),
    sa.Column('reference', sa.String(length=60), nullable=True),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.Column('sent_at', sa.DateTime(), nullable=True),
    sa.Column('sent_by', sa.String(length=20), nullable=True),
    sa.Column('attempts', sa.Integer(), nullable=False),
    sa.Column('last_error', sa.String(length=200), nullable=True),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_sms_outbox'))
    )
    op.create_index(op.f('ix_sms_outbox_sent_at'), 'sms_outbox', ['sent_at'], unique=False)
    op.execute(
        "INSERT INTO sms_outbox (phone, text, reference, created_at, sent_at, sent_by, attempts, last_error) "
        "SELECT m.phone, m.text, t.number, m.created_at, m.sent_at, "
        "CASE WHEN m.sent_at IS NULL THEN NULL ELSE 'gateway' END, m.attempts, m.last_error "
        "FROM hotline_messages m JOIN hotline_tickets t ON t.id = m.ticket_id ORDER BY m.id")
    op.drop_index(op.f('ix_hotline_messages_ticket_id'), table_name='hotline_messages')
    op.drop_index(op.f('ix_hotline_messages_sent_at'), table_name='hotline_messages')
    op.drop_table('hotline_messages')


def downgrade():
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
    op.create_index(op.f('ix_hotline_messages_sent_at'), 'hotline_messages', ['sent_at'], unique=False)
    op.create_index(op.f('ix_hotline_messages_ticket_id'), 'hotline_messages', ['ticket_id'], unique=False)
    op.execute(
        "INSERT INTO hotline_messages (ticket_id, phone, text, created_at, sent_at, attempts, last_error) "
        "SELECT t.id, s.phone, s.text, s.created_at, s.sent_at, s.attempts, s.last_error "
        "FROM sms_outbox s JOIN hotline_tickets t ON t.number = s.reference ORDER BY s.id")
    op.drop_index(op.f('ix_sms_outbox_sent_at'), table_name='sms_outbox')
    op.drop_table('sms_outbox')
    op.drop_index(op.f('ix_person_messages_person_id'), table_name='person_messages')
    op.drop_table('person_messages')
