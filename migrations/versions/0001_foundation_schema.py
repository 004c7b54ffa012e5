"""Foundation schema: people, matters (with the catalogue), applications, rule results,
certificates, staff accounts, counters and the audit log.

Revision ID: 0001
Revises: 
Create Date: 2026-11-30 05:42:29.878833

"""
from alembic import op
import sqlalchemy as sa


# The matter catalogue of DESIGN.md §3 as it stood when the service opened. Later changes to
# the catalogue are new migrations, so every database can say which catalogue it serves.
DRIVER_RULES = ["drv.identity", "drv.licence_valid", "drv.experience", "drv.points",
                "drv.criminal", "drv.drugs_dui", "drv.residence", "drv.age"]
VEHICLE_RULES = ["veh.registered", "veh.owner", "veh.plate_local", "veh.category_seats",
                 "veh.power", "veh.age", "veh.use_nature", "veh.inspection", "veh.insurance",
                 "veh.gps_live", "veh.platform_licensed", "veh.single_platform"]
ALL = ["app", "kiosk", "counter"]
APP_COUNTER = ["app", "counter"]
DRIVER_LAW = "《出租汽车驾驶员从业资格管理规定》"
INTERIM = "《网络预约出租汽车经营服务管理暂行办法》"
XIAMEN = "《厦门市网络预约出租汽车经营服务管理实施细则》"
MAILING = ["phone", "mailing_address"]

MATTER_COLUMNS = ("code", "name", "name_en", "subject", "zero_material", "instant",
                  "auto_decided", "legal_basis", "time_limit_days", "channels", "inputs", "checks")
CATALOGUE = [
    ("driver-cert-issue", "网约车驾驶员从业资格证核发",
     "Issue of the ride-hailing driver qualification certificate", "driver",
     True, False, False, f"{INTERIM}第十四条、第十五条；{DRIVER_LAW}第十条、第十四条；{XIAMEN}",
     10, ALL, MAILING, DRIVER_RULES + ["drv.exam"]),
    ("driver-cert-reissue", "网约车驾驶员从业资格证补发",
     "Reissue of a lost or damaged driver qualification certificate", "driver",
     True, True, True, f"{DRIVER_LAW}（补发）", 0, ALL, ["mailing_address"], DRIVER_RULES),
    ("driver-cert-renew", "网约车驾驶员从业资格证换发",
     "Renewal of the driver qualification certificate", "driver",
     True, True, True, f"{DRIVER_LAW}（换发）", 0, ALL, ["mailing_address"], DRIVER_RULES),
    ("driver-cert-cancel", "网约车驾驶员从业资格证注销",
     "Cancellation of the driver qualification certificate", "driver",
     True, True, True, f"{DRIVER_LAW}（注销）", 0, ALL, [], []),
    ("driver-cert-change", "网约车驾驶员从业资格证变更",
     "Change of particulars on the driver qualification certificate", "driver",
     False, True, False, f"{DRIVER_LAW}", 0, APP_COUNTER, ["changes", "documents"], []),
    ("vehicle-permit-issue", "网约车车辆经营许可(《网络预约出租汽车运输证》核发)",
     "Vehicle operating permit (issue of the ride-hailing transport certificate)", "vehicle",
     True, True, True, f"{INTERIM}第十二条、第十三条；{XIAMEN}", 0, APP_COUNTER,
     ["plate", "platform", "mailing_address"], VEHICLE_RULES),
    ("vehicle-cert-reissue", "《网络预约出租汽车运输证》补发",
     "Reissue of the transport certificate", "vehicle",
     False, True, False, f"{INTERIM}第十三条；{XIAMEN}", 0, APP_COUNTER,
     ["plate", "reason", "mailing_address"], []),
    ("vehicle-cert-renew", "《网络预约出租汽车运输证》换发",
     "Renewal of the transport certificate", "vehicle",
     False, True, False, f"{INTERIM}第十三条；{XIAMEN}", 0, APP_COUNTER,
     ["plate", "mailing_address"], []),
    ("vehicle-permit-cancel", "网约车车辆经营许可注销",
     "Cancellation of the vehicle operating permit", "vehicle",
     True, True, False, f"{INTERIM}第十三条、第三十九条；{XIAMEN}", 0, APP_COUNTER, ["plate"], []),
    ("platform-licence-issue", "网约车平台公司经营许可",
     "Ride-hailing platform company operating licence", "platform",
     False, False, False, f"{INTERIM}第五条、第六条、第七条", 20, APP_COUNTER,
     ["uscc", "online_capability_certificate", "documents"], []),
    ("platform-licence-change", "网约车平台公司经营许可变更",
     "Change of the platform company operating licence", "platform",
     False, True, False, f"{INTERIM}第八条、第九条", 0, APP_COUNTER, ["changes", "documents"], []),
]

# revision identifiers, used by Alembic.
revision = '0001'
down_revision = None
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('audit_entries',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('at', sa.DateTime(), nullable=False),
    sa.Column('actor', sa.String(length=120), nullable=False),
    sa.Column('action', sa.String(length=80), nullable=False),
    sa.Column('object_type', sa.String(length=40), nullable=False),
    sa.Column('object_id', sa.String(length=80), nullable=False),
    sa.Column('before', sa.JSON(), nullable=True),
    sa.Column('after', sa.JSON(), nullable=True),
    sa.Column('prev_hash', sa.String(length=64), nullable=False),
    sa.Column('hash', sa.String(length=64), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_audit_entries')),
    sa.UniqueConstraint('hash', name=op.f('uq_audit_entries_hash'))
    )
    with op.batch_alter_table('audit_entries', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_audit_entries_action'), ['action'], unique=False)

    op.create_table('counters',
    sa.Column('name', sa.String(length=80), nullable=False),
    sa.Column('value', sa.BigInteger(), nullable=False),
    sa.PrimaryKeyConstraint('name', name=op.f('pk_counters'))
    )
    op.create_table('matters',
    sa.Column('code', sa.String(length=40), nullable=False),
    sa.Column('name', sa.String(length=100), nullable=False),
    sa.Column('name_en', sa.String(length=200), nullable=False),
    sa.Column('subject', sa.Enum('driver', 'vehicle', 'platform', name='subject', native_enum=False, length=20), nullable=False),
    sa.Column('zero_material', sa.Boolean(), nullable=False),
    sa.Column('instant', sa.Boolean(), nullable=False),
    sa.Column('auto_decided', sa.Boolean(), nullable=False),
    sa.Column('legal_basis', sa.String(length=300), nullable=False),
    sa.Column('time_limit_days', sa.Integer(), nullable=False),
    sa.Column('channels', sa.JSON(), nullable=False),
    sa.Column('inputs', sa.JSON(), nullable=False),
    sa.Column('checks', sa.JSON(), nullable=False),
    sa.Column('position', sa.Integer(), nullable=False),
    sa.PrimaryKeyConstraint('code', name=op.f('pk_matters'))
    )
    op.create_table('people',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('id_number', sa.String(length=18), nullable=False),
    sa.Column('name', sa.String(length=100), nullable=False),
    sa.Column('address', sa.String(length=200), nullable=True),
    sa.Column('phone', sa.String(length=20), nullable=True),
    sa.Column('last_mailing_address', sa.JSON(), nullable=True),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.Column('updated_at', sa.DateTime(), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_people')),
    sa.UniqueConstraint('id_number', name=op.f('uq_people_id_number'))
    )
    op.create_table('staff_users',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('username', sa.String(length=64), nullable=False),
    sa.Column('display_name', sa.String(length=100), nullable=True),
    sa.Column('password_hash', sa.String(length=256), nullable=False),
    sa.Column('role', sa.Enum('clerk', 'examiner', 'mailroom', 'admin', name='role', native_enum=False, length=20), nullable=False),
    sa.Column('active', sa.Boolean(), nullable=False),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.Column('last_login_at', sa.DateTime(), nullable=True),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_staff_users')),
    sa.UniqueConstraint('username', name=op.f('uq_staff_users_username'))
    )
    op.create_table('certificates',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('kind', sa.Enum('driver', 'transport', 'platform', name='kind', native_enum=False, length=20), nullable=False),
    sa.Column('number', sa.String(length=60), nullable=False),
    sa.Column('version', sa.Integer(), nullable=False),
    sa.Column('holder_id', sa.Integer(), nullable=False),
    sa.Column('previous_id', sa.Integer(), nullable=True),
    sa.Column('status', sa.Enum('valid', 'cancelled', 'revoked', 'expired', 'replaced', name='status', native_enum=False, length=20), nullable=False),
    sa.Column('valid_from', sa.Date(), nullable=False),
    sa.Column('valid_until', sa.Date(), nullable=False),
    sa.Column('issued_at', sa.DateTime(), nullable=False),
    sa.Column('status_changed_at', sa.DateTime(), nullable=False),
    sa.Column('status_reason', sa.String(length=300), nullable=True),
    sa.Column('plate', sa.String(length=16), nullable=True),
    sa.Column('platform_code', sa.String(length=40), nullable=True),
    sa.Column('valid_plate', sa.String(length=16), nullable=True),
    sa.ForeignKeyConstraint(['holder_id'], ['people.id'], name=op.f('fk_certificates_holder_id_people')),
    sa.ForeignKeyConstraint(['previous_id'], ['certificates.id'], name=op.f('fk_certificates_previous_id_certificates')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_certificates')),
    sa.UniqueConstraint('kind', 'number', 'version', name=op.f('uq_certificates_kind_number_version')),
    sa.UniqueConstraint('valid_plate', name=op.f('uq_certificates_valid_plate'))
    )
    with op.batch_alter_table('certificates', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_certificates_holder_id'), ['holder_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_certificates_kind'), ['kind'], unique=False)
        batch_op.create_index(batch_op.f('ix_certificates_number'), ['number'], unique=False)
        batch_op.create_index(batch_op.f('ix_certificates_plate'), ['plate'], unique=False)
        batch_op.create_index(batch_op.f('ix_certificates_status'), ['status'], unique=False)

    op.create_table('applications',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('number', sa.String(length=32), nullable=False),
    sa.Column('matter_code', sa.String(length=40), nullable=False),
    sa.Column('applicant_id', sa.Integer(), nullable=False),
    sa.Column('channel', sa.Enum('app', 'kiosk', 'counter', name='channel', native_enum=False, length=24), nullable=False),
    sa.Column('state', sa.Enum('submitted', 'checking', 'rejected', 'awaiting_exam', 'awaiting_review', 'awaiting_province', 'approved', 'issued', 'withdrawn', name='state', native_enum=False, length=24), nullable=False),
    sa.Column('inputs', sa.JSON(), nullable=False),
    sa.Column('phone', sa.String(length=20), nullable=True),
    sa.Column('mailing_address', sa.JSON(), nullable=True),
    sa.Column('open_key', sa.String(length=120), nullable=True),
    sa.Column('idempotency_key', sa.String(length=100), nullable=True),
    sa.Column('request_hash', sa.String(length=64), nullable=True),
    sa.Column('certificate_id', sa.Integer(), nullable=True),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.Column('updated_at', sa.DateTime(), nullable=False),
    sa.Column('decided_at', sa.DateTime(), nullable=True),
    sa.ForeignKeyConstraint(['applicant_id'], ['people.id'], name=op.f('fk_applications_applicant_id_people')),
    sa.ForeignKeyConstraint(['certificate_id'], ['certificates.id'], name=op.f('fk_applications_certificate_id_certificates')),
    sa.ForeignKeyConstraint(['matter_code'], ['matters.code'], name=op.f('fk_applications_matter_code_matters')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_applications')),
    sa.UniqueConstraint('applicant_id', 'idempotency_key', name=op.f('uq_applications_applicant_id_idempotency_key')),
    sa.UniqueConstraint('number', name=op.f('uq_applications_number')),
    sa.UniqueConstraint('open_key', name=op.f('uq_applications_open_key'))
    )
    with op.batch_alter_table('applications', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_applications_applicant_id'), ['applicant_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_applications_matter_code'), ['matter_code'], unique=False)
        batch_op.create_index(batch_op.f('ix_applications_state'), ['state'], unique=False)

    op.create_table('application_events',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('application_id', sa.Integer(), nullable=False),
    sa.Column('from_state', sa.Enum('submitted', 'checking', 'rejected', 'awaiting_exam', 'awaiting_review', 'awaiting_province', 'approved', 'issued', 'withdrawn', name='state', native_enum=False, length=24), nullable=True),
    sa.Column('to_state', sa.Enum('submitted', 'checking', 'rejected', 'awaiting_exam', 'awaiting_review', 'awaiting_province', 'approved', 'issued', 'withdrawn', name='state', native_enum=False, length=24), nullable=False),
    sa.Column('at', sa.DateTime(), nullable=False),
    sa.Column('actor', sa.String(length=120), nullable=False),
    sa.Column('reason', sa.Text(), nullable=True),
    sa.ForeignKeyConstraint(['application_id'], ['applications.id'], name=op.f('fk_application_events_application_id_applications')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_application_events'))
    )
    with op.batch_alter_table('application_events', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_application_events_application_id'), ['application_id'], unique=False)

    op.create_table('rule_results',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('application_id', sa.Integer(), nullable=False),
    sa.Column('run', sa.Integer(), nullable=False),
    sa.Column('rule', sa.String(length=40), nullable=False),
    sa.Column('outcome', sa.Enum('pass', 'fail', 'unknown', name='outcome', native_enum=False, length=24), nullable=False),
    sa.Column('reason', sa.String(length=300), nullable=True),
    sa.Column('reason_en', sa.String(length=300), nullable=True),
    sa.Column('facts', sa.JSON(), nullable=False),
    sa.Column('query_ids', sa.JSON(), nullable=False),
    sa.Column('evaluated_at', sa.DateTime(), nullable=False),
    sa.ForeignKeyConstraint(['application_id'], ['applications.id'], name=op.f('fk_rule_results_application_id_applications')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_rule_results'))
    )
    with op.batch_alter_table('rule_results', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_rule_results_application_id'), ['application_id'], unique=False)


    json_columns = {"channels", "inputs", "checks"}
    matters = sa.table("matters", *(
        sa.column(c, sa.JSON() if c in json_columns else None)
        for c in MATTER_COLUMNS + ("position",)
    ))
    op.bulk_insert(matters, [dict(zip(MATTER_COLUMNS, row), position=i) for i, row in enumerate(CATALOGUE, 1)])


def downgrade():
    with op.batch_alter_table('rule_results', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_rule_results_application_id'))

    op.drop_table('rule_results')
    with op.batch_alter_table('application_events', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_application_events_application_id'))

    op.drop_table('application_events')
    with op.batch_alter_table('applications', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_applications_state'))
        batch_op.drop_index(batch_op.f('ix_applications_matter_code'))
        batch_op.drop_index(batch_op.f('ix_applications_applicant_id'))

    op.drop_table('applications')
    with op.batch_alter_table('certificates', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_certificates_status'))
        batch_op.drop_index(batch_op.f('ix_certificates_plate'))
        batch_op.drop_index(batch_op.f('ix_certificates_number'))
        batch_op.drop_index(batch_op.f('ix_certificates_kind'))
        batch_op.drop_index(batch_op.f('ix_certificates_holder_id'))

    op.drop_table('certificates')
    op.drop_table('staff_users')
    op.drop_table('people')
    op.drop_table('matters')
    op.drop_table('counters')
    with op.batch_alter_table('audit_entries', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_audit_entries_action'))

    op.drop_table('audit_entries')
