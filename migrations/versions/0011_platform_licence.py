"""Companies sign in and apply: the platform licence and its change.

``companies`` (legal persons the identity provider vouched for); applications and certificates
may be a company's (``company_id``); a certificate keeps the fields its kind prints
(``details``); ``materials`` (uploaded files, the bytes outside the database);
``mirror_companies`` (the market-regulation register's mirror); ``platform_licence_cases``
(a licence application's internal steps: the clerk's review, the province's).

Revision ID: 0011
Revises: 0012
"""
import sqlalchemy as sa
from alembic import op

revision = "0011"
down_revision = "0012"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "companies",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("uscc", sa.String(length=18), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("updated_at", sa.DateTime(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_companies")),
        sa.UniqueConstraint("uscc", name=op.f("uq_companies_uscc")),
    )
    for table in ("applications", "certificates"):
        with op.batch_alter_table(table, schema=None) as batch_op:
            batch_op.add_column(sa.Column("company_id", sa.Integer(), nullable=True))
            batch_op.create_index(batch_op.f(f"ix_{table}_company_id"), ["company_id"])
            batch_op.create_foreign_key(batch_op.f(f"fk_{table}_company_id_companies"),
                                        "companies", ["company_id"], ["id"])
            if table == "certificates":
                batch_op.add_column(sa.Column("details", sa.JSON(), nullable=True))
    op.create_table(
        "materials",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("company_id", sa.Integer(), nullable=False),
        sa.Column("uploaded_by_id", sa.Integer(), nullable=False),
        sa.Column("filename", sa.String(length=200), nullable=False),
        sa.Column("content_type", sa.String(length=40), nullable=False),
        sa.Column("size", sa.Integer(), nullable=False),
        sa.Column("sha256", sa.String(length=64), nullable=False),
        sa.Column("stored_name", sa.String(length=80), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(["company_id"], ["companies.id"],
                                name=op.f("fk_materials_company_id_companies")),
        sa.ForeignKeyConstraint(["uploaded_by_id"], ["people.id"],
                                name=op.f("fk_materials_uploaded_by_id_people")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_materials")),
        sa.UniqueConstraint("stored_name", name=op.f("uq_materials_stored_name")),
    )
    op.create_index(op.f("ix_materials_company_id"), "materials", ["company_id"])
    op.create_table(
        "mirror_companies",
        sa.Column("uscc", sa.String(length=18), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("legal_representative", sa.String(length=100), nullable=False),
        sa.Column("legal_representative_id_number", sa.String(length=18), nullable=False),
        sa.Column("legal_person", sa.Boolean(), nullable=False),
        sa.Column("status", sa.String(length=20), nullable=False),
        sa.Column("business_scope", sa.Text(), nullable=False),
        sa.Column("address", sa.String(length=300), nullable=False),
        sa.Column("imported_at", sa.DateTime(), nullable=False),
        sa.PrimaryKeyConstraint("uscc", name=op.f("pk_mirror_companies")),
    )
    op.create_table(
        "platform_licence_cases",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("application_id", sa.Integer(), nullable=False),
        sa.Column("stage", sa.Enum("checks", "offline_review", "province", "decision", "done",
                                   name="stage", native_enum=False, length=20), nullable=False),
        sa.Column("offline_reviewed_at", sa.DateTime(), nullable=True),
        sa.Column("offline_reviewed_by", sa.String(length=120), nullable=True),
        sa.Column("province_channel", sa.String(length=10), nullable=True),
        sa.Column("province_request_id", sa.String(length=36), nullable=True),
        sa.Column("sent_at", sa.DateTime(), nullable=True),
        sa.Column("delivered_at", sa.DateTime(), nullable=True),
        sa.Column("delivery_error", sa.String(length=300), nullable=True),
        sa.Column("province_result", sa.Enum("certified", "not_certified", name="provinceresult",
                                             native_enum=False, length=20), nullable=True),
        sa.Column("province_reasons", sa.JSON(), nullable=True),
        sa.Column("province_reference", sa.String(length=60), nullable=True),
        sa.Column("answered_at", sa.DateTime(), nullable=True),
        sa.Column("answered_by", sa.String(length=120), nullable=True),
        sa.Column("row_version", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(["application_id"], ["applications.id"],
                                name=op.f("fk_platform_licence_cases_application_id_applications")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_platform_licence_cases")),
        sa.UniqueConstraint("application_id",
                            name=op.f("uq_platform_licence_cases_application_id")),
        sa.UniqueConstraint("province_request_id",
                            name=op.f("uq_platform_licence_cases_province_request_id")),
    )


def downgrade():
    op.drop_table("platform_licence_cases")
    op.drop_table("mirror_companies")
    op.drop_index(op.f("ix_materials_company_id"), table_name="materials")
    op.drop_table("materials")
    for table in ("certificates", "applications"):
        with op.batch_alter_table(table, schema=None) as batch_op:
            if table == "certificates":
                batch_op.drop_column("details")
            batch_op.drop_constraint(batch_op.f(f"fk_{table}_company_id_companies"),
                                     type_="foreignkey")
            batch_op.drop_index(batch_op.f(f"ix_{table}_company_id"))
            batch_op.drop_column("company_id")
    op.drop_table("companies")
