"""driver licensing: source mirrors, query log, exams, mailing items

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-30 05:49:43.664929

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0002'
down_revision = '0001'
branch_labels = None
depends_on = None


def upgrade():

    op.create_table('mirror_driving_licences',
    sa.Column('id_number', sa.String(length=18), nullable=False),
    sa.Column('licence_class', sa.String(length=10), nullable=False),
    sa.Column('first_issued_on', sa.Date(), nullable=False),
    sa.Column('status', sa.String(length=20), nullable=False),
    sa.Column('valid_until', sa.Date(), nullable=False),
    sa.Column('cycles', sa.JSON(), nullable=False),
    sa.Column('imported_at', sa.DateTime(), nullable=False),
    sa.PrimaryKeyConstraint('id_number', name=op.f('pk_mirror_driving_licences'))
    )
    op.create_table('mirror_identity',
    sa.Column('id_number', sa.String(length=18), nullable=False),
    sa.Column('name', sa.String(length=100), nullable=False),
    sa.Column('sex', sa.String(length=1), nullable=False),
    sa.Column('birth_date', sa.Date(), nullable=False),
    sa.Column('hukou_region', sa.String(length=6), nullable=False),
    sa.Column('card_valid_until', sa.Date(), nullable=True),
    sa.Column('card_reported_lost', sa.Boolean(), nullable=False),
    sa.Column('imported_at', sa.DateTime(), nullable=False),
    sa.PrimaryKeyConstraint('id_number', name=op.f('pk_mirror_identity'))
    )
    op.create_table('mirror_police_records',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('id_number', sa.String(length=18), nullable=False),
    sa.Column('category', sa.String(length=30), nullable=False),
    sa.Column('recorded_on', sa.Date(), nullable=False),
    sa.Column('imported_at', sa.DateTime(), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_mirror_police_records')),
    sa.UniqueConstraint('id_number', 'category', 'recorded_on', name=op.f('uq_mirror_police_records_id_number_category_recorded_on'))
    )
    with op.batch_alter_table('mirror_police_records', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_mirror_police_records_id_number'), ['id_number'], unique=False)

    op.create_table('mirror_residence_permits',
    sa.Column('id_number', sa.String(length=18), nullable=False),
    sa.Column('city_code', sa.String(length=6), nullable=False),
    sa.Column('valid_until', sa.Date(), nullable=False),
    sa.Column('imported_at', sa.DateTime(), nullable=False),
    sa.PrimaryKeyConstraint('id_number', name=op.f('pk_mirror_residence_permits'))
    )
    op.create_table('source_queries',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('query_id', sa.String(length=36), nullable=False),
    sa.Column('at', sa.DateTime(), nullable=False),
    sa.Column('requester', sa.String(length=120), nullable=False),
    sa.Column('purpose', sa.String(length=80), nullable=False),
    sa.Column('source', sa.String(length=40), nullable=False),
    sa.Column('operation', sa.String(length=40), nullable=False),
    sa.Column('implementation', sa.String(length=10), nullable=False),
    sa.Column('request_hash', sa.String(length=64), nullable=False),
    sa.Column('response_hash', sa.String(length=64), nullable=True),
    sa.Column('latency_ms', sa.Double(), nullable=False),
    sa.Column('outcome', sa.String(length=20), nullable=False),
    sa.Column('prev_hash', sa.String(length=64), nullable=False),
    sa.Column('hash', sa.String(length=64), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_source_queries')),
    sa.UniqueConstraint('hash', name=op.f('uq_source_queries_hash')),
    sa.UniqueConstraint('query_id', name=op.f('uq_source_queries_query_id'))
    )
    with op.batch_alter_table('source_queries', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_source_queries_purpose'), ['purpose'], unique=False)

    op.create_table('exam_attempts',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('application_id', sa.Integer(), nullable=False),
    sa.Column('subject', sa.String(length=10), nullable=False),
    sa.Column('score', sa.Integer(), nullable=False),
    sa.Column('passed', sa.Boolean(), nullable=False),
    sa.Column('recorded_at', sa.DateTime(), nullable=False),
    sa.Column('recorded_by', sa.String(length=120), nullable=False),
    sa.ForeignKeyConstraint(['application_id'], ['applications.id'], name=op.f('fk_exam_attempts_application_id_applications')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_exam_attempts'))
    )
    with op.batch_alter_table('exam_attempts', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_exam_attempts_application_id'), ['application_id'], unique=False)

    op.create_table('mailing_items',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('certificate_id', sa.Integer(), nullable=False),
    sa.Column('application_id', sa.Integer(), nullable=False),
    sa.Column('status', sa.Enum('queued', 'printed', 'dispatched', 'delivered', 'returned', name='mailingstatus', native_enum=False, length=20), nullable=False),
    sa.Column('address', sa.JSON(), nullable=False),
    sa.Column('batch_id', sa.String(length=40), nullable=True),
    sa.Column('tracking_number', sa.String(length=40), nullable=True),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.Column('updated_at', sa.DateTime(), nullable=False),
    sa.ForeignKeyConstraint(['application_id'], ['applications.id'], name=op.f('fk_mailing_items_application_id_applications')),
    sa.ForeignKeyConstraint(['certificate_id'], ['certificates.id'], name=op.f('fk_mailing_items_certificate_id_certificates')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_mailing_items'))
    )
    with op.batch_alter_table('mailing_items', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_mailing_items_application_id'), ['application_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_mailing_items_batch_id'), ['batch_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_mailing_items_certificate_id'), ['certificate_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_mailing_items_status'), ['status'], unique=False)




def downgrade():

    with op.batch_alter_table('mailing_items', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_mailing_items_status'))
        batch_op.drop_index(batch_op.f('ix_mailing_items_certificate_id'))
        batch_op.drop_index(batch_op.f('ix_mailing_items_batch_id'))
        batch_op.drop_index(batch_op.f('ix_mailing_items_application_id'))

    op.drop_table('mailing_items')
    with op.batch_alter_table('exam_attempts', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_exam_attempts_application_id'))

    op.drop_table('exam_attempts')
    with op.batch_alter_table('source_queries', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_source_queries_purpose'))

    op.drop_table('source_queries')
    op.drop_table('mirror_residence_permits')
    with op.batch_alter_table('mirror_police_records', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_mirror_police_records_id_number'))

    op.drop_table('mirror_police_records')
    op.drop_table('mirror_identity')
    op.drop_table('mirror_driving_licences')

