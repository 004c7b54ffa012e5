"""Police alerts, the suspensions they cause, and the holders' objection files (issue 17).

Revision ID: 0020
Revises: 0019
"""
import sqlalchemy as sa
from alembic import op


revision = "0020"
down_revision = "0019"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('police_alerts',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('source', sa.String(length=40), nullable=False),
    sa.Column('reference', sa.String(length=80), nullable=False),
    sa.Column('id_number', sa.String(length=18), nullable=False),
    sa.Column('person_id', sa.Integer(), nullable=True),
    sa.Column('category', sa.String(length=40), nullable=False),
    sa.Column('recorded_on', sa.Date(), nullable=False),
    sa.Column('detail', sa.Text(), nullable=False),
    sa.Column('received_at', sa.DateTime(), nullable=False),
    sa.Column('actor', sa.String(length=80), nullable=False),
    sa.Column('outcome', sa.Enum('suspended', 'already_suspended', 'no_certificate', name='outcome', native_enum=False, length=20), nullable=False),
    sa.Column('dismissed_at', sa.DateTime(), nullable=True),
    sa.ForeignKeyConstraint(['person_id'], ['people.id'], name=op.f('fk_police_alerts_person_id_people')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_police_alerts')),
    sa.UniqueConstraint('source', 'reference', name=op.f('uq_police_alerts_source_reference'))
    )
    with op.batch_alter_table('police_alerts', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_police_alerts_id_number'), ['id_number'], unique=False)
        batch_op.create_index(batch_op.f('ix_police_alerts_person_id'), ['person_id'], unique=False)

    op.create_table('certificate_suspensions',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('alert_id', sa.Integer(), nullable=False),
    sa.Column('certificate_id', sa.Integer(), nullable=False),
    sa.Column('holder_id', sa.Integer(), nullable=False),
    sa.Column('suspended_at', sa.DateTime(), nullable=False),
    sa.Column('object_by', sa.Date(), nullable=False),
    sa.Column('decide_by', sa.Date(), nullable=False),
    sa.Column('state', sa.Enum('open', 'revoked', 'reinstated', name='state', native_enum=False, length=20), nullable=False),
    sa.Column('objection', sa.Text(), nullable=True),
    sa.Column('objected_at', sa.DateTime(), nullable=True),
    sa.Column('decided_at', sa.DateTime(), nullable=True),
    sa.Column('decided_by', sa.String(length=80), nullable=True),
    sa.Column('decision_reason', sa.String(length=500), nullable=True),
    sa.Column('legal_basis', sa.String(length=300), nullable=True),
    sa.Column('row_version', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['alert_id'], ['police_alerts.id'], name=op.f('fk_certificate_suspensions_alert_id_police_alerts')),
    sa.ForeignKeyConstraint(['certificate_id'], ['certificates.id'], name=op.f('fk_certificate_suspensions_certificate_id_certificates')),
    sa.ForeignKeyConstraint(['holder_id'], ['people.id'], name=op.f('fk_certificate_suspensions_holder_id_people')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_certificate_suspensions')),
    sa.UniqueConstraint('alert_id', name=op.f('uq_certificate_suspensions_alert_id'))
    )
    with op.batch_alter_table('certificate_suspensions', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_certificate_suspensions_certificate_id'), ['certificate_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_certificate_suspensions_holder_id'), ['holder_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_certificate_suspensions_state'), ['state'], unique=False)

    op.create_table('suspension_objection_files',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('person_id', sa.Integer(), nullable=False),
    sa.Column('suspension_id', sa.Integer(), nullable=True),
    sa.Column('filename', sa.String(length=200), nullable=False),
    sa.Column('content_type', sa.String(length=40), nullable=False),
    sa.Column('size', sa.Integer(), nullable=False),
    sa.Column('sha256', sa.String(length=64), nullable=False),
    sa.Column('stored_name', sa.String(length=80), nullable=False),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.ForeignKeyConstraint(['person_id'], ['people.id'], name=op.f('fk_suspension_objection_files_person_id_people')),
    sa.ForeignKeyConstraint(['suspension_id'], ['certificate_suspensions.id'], name=op.f('fk_suspension_objection_files_suspension_id_certificate_suspensions')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_suspension_objection_files')),
    sa.UniqueConstraint('stored_name', name=op.f('uq_suspension_objection_files_stored_name'))
    )
    with op.batch_alter_table('suspension_objection_files', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_suspension_objection_files_person_id'), ['person_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_suspension_objection_files_suspension_id'), ['suspension_id'], unique=False)



def downgrade():
    with op.batch_alter_table('suspension_objection_files', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_suspension_objection_files_suspension_id'))
        batch_op.drop_index(batch_op.f('ix_suspension_objection_files_person_id'))

    op.drop_table('suspension_objection_files')
    with op.batch_alter_table('certificate_suspensions', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_certificate_suspensions_state'))
        batch_op.drop_index(batch_op.f('ix_certificate_suspensions_holder_id'))
        batch_op.drop_index(batch_op.f('ix_certificate_suspensions_certificate_id'))

    op.drop_table('certificate_suspensions')
    with op.batch_alter_table('police_alerts', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_police_alerts_person_id'))
        batch_op.drop_index(batch_op.f('ix_police_alerts_id_number'))

    op.drop_table('police_alerts')
