"""A certificate version keeps the particulars printed on it; the driver certificate change
takes a mailing address.

``certificates.holder_name`` is the name printed on this version (a driver's as the bureau
certified it, which the 变更 matter changes). Driver certificates written before this revision
get their holder's name as it stands now, which is what they printed; other kinds keep null
and print the holder's current name as before. ``certificates.address`` is the holder's address
printed on a driver certificate. ``driver-cert-change`` mails the new version, so its
catalogue inputs gain ``mailing_address``.

Revision ID: 0012
Revises: 0009
"""
import sqlalchemy as sa
from alembic import op

revision = "0012"
down_revision = "0009"
branch_labels = None
depends_on = None

MATTERS = sa.table("matters", sa.column("code", sa.String), sa.column("inputs", sa.JSON))
CHANGE = "driver-cert-change"


def upgrade():
    with op.batch_alter_table("certificates", schema=None) as batch_op:
        batch_op.add_column(sa.Column("holder_name", sa.String(length=100), nullable=True))
        batch_op.add_column(sa.Column("address", sa.String(length=200), nullable=True))
    op.execute(sa.text(
        "UPDATE certificates SET holder_name = "
        "(SELECT people.name FROM people WHERE people.id = certificates.holder_id) "
        "WHERE kind = 'driver' AND holder_name IS NULL"))
    op.execute(MATTERS.update().where(MATTERS.c.code == CHANGE)
               .values(inputs=["changes", "documents", "mailing_address"]))


def downgrade():
    op.execute(MATTERS.update().where(MATTERS.c.code == CHANGE)
               .values(inputs=["changes", "documents"]))
    with op.batch_alter_table("certificates", schema=None) as batch_op:
        batch_op.drop_column("address")
        batch_op.drop_column("holder_name")
