"""Certificates' validity history (one row per status a certificate entered) and the
``suspended`` status. Existing certificates get their history from what the row still says:
issued at ``issued_at``, and their present status, if not valid, at ``status_changed_at``.

Revision ID: 0018
Revises: 0013
"""
import sqlalchemy as sa
from alembic import op


revision = "0018"
down_revision = "0013"
branch_labels = None
depends_on = None

STATUSES = ('valid', 'cancelled', 'revoked', 'expired', 'replaced', 'suspended')


def upgrade():
    op.create_table('certificate_status_changes',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('certificate_id', sa.Integer(), nullable=False),
    sa.Column('status', sa.Enum(*STATUSES, name='status', native_enum=False, length=20), nullable=False),
    sa.Column('at', sa.DateTime(), nullable=False),
    sa.Column('actor', sa.String(length=80), nullable=False),
    sa.Column('reason', sa.String(length=300), nullable=True),
    sa.ForeignKeyConstraint(['certificate_id'], ['certificates.id'], name=op.f('fk_certificate_status_changes_certificate_id_certificates')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_certificate_status_changes'))
    )
    op.create_index('ix_certificate_status_changes_certificate_at', 'certificate_status_changes', ['certificate_id', 'at'], unique=False)
    op.execute("INSERT INTO certificate_status_changes (certificate_id, status, at, actor, reason) "
               "SELECT id, 'valid', issued_at, 'migration', '签发 issued' FROM certificates")
    op.execute("INSERT INTO certificate_status_changes (certificate_id, status, at, actor, reason) "
               "SELECT id, status, status_changed_at, 'migration', status_reason FROM certificates "
               "WHERE status <> 'valid'")


def downgrade():
    op.drop_index('ix_certificate_status_changes_certificate_at', table_name='certificate_status_changes')
    op.drop_table('certificate_status_changes')
