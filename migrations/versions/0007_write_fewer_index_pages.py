"""Indexes a decision pays for at every commit and no query uses, dropped.

A renewal wrote 57 pages to SQLite's log at its commit; 24 of them were leaves of indexes on
values in no order (the audit and query-log hashes, audit actions) or that another index
already covers. Audit entries are now indexed by the object they are about.

Revision ID: 0007
Revises: 0006
"""
from alembic import op

revision = "0007"
down_revision = "0006"
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table("audit_entries", schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f("uq_audit_entries_hash"), type_="unique")
        batch_op.drop_index(batch_op.f("ix_audit_entries_action"))
        batch_op.create_index("ix_audit_entries_object", ["object_type", "object_id"], unique=False)
    with op.batch_alter_table("source_queries", schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f("uq_source_queries_hash"), type_="unique")
    with op.batch_alter_table("certificates", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_certificates_kind"))
        batch_op.drop_index(batch_op.f("ix_certificates_status"))
    with op.batch_alter_table("applications", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_applications_applicant_id"))
        batch_op.drop_index(batch_op.f("ix_applications_matter_code"))


def downgrade():
    with op.batch_alter_table("applications", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_applications_matter_code"), ["matter_code"], unique=False)
        batch_op.create_index(batch_op.f("ix_applications_applicant_id"), ["applicant_id"], unique=False)
    with op.batch_alter_table("certificates", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_certificates_status"), ["status"], unique=False)
        batch_op.create_index(batch_op.f("ix_certificates_kind"), ["kind"], unique=False)
    with op.batch_alter_table("source_queries", schema=None) as batch_op:
        batch_op.create_unique_constraint(batch_op.f("uq_source_queries_hash"), ["hash"])
    with op.batch_alter_table("audit_entries", schema=None) as batch_op:
        batch_op.drop_index("ix_audit_entries_object")
        batch_op.create_index(batch_op.f("ix_audit_entries_action"), ["action"], unique=False)
        batch_op.create_unique_constraint(batch_op.f("uq_audit_entries_hash"), ["hash"])
