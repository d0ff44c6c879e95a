"""fields with validity dates: fields.valid_from and fields.valid_to

A field of procedures (lĩnh vực) is not a department, and fields change over time
like units do (NĐ 45/2025 moved whole groups of procedures between departments).
Existing databases are carried forward unchanged: every field keeps valid_from and
valid_to NULL (open). The admin ends a field that no longer exists in the field form;
new databases get today's catalogue from survey_app/seed/data/fields.yaml.

Revision ID: 0008
Revises: 0007
"""

from contextlib import contextmanager

import sqlalchemy as sa
from alembic import op

revision = "0008"
down_revision = "0007"
branch_labels = None
depends_on = None


@contextmanager
def _rebuilding_tables():
    """SQLite alters a table by copying it, and DROP TABLE fields would fail while
    responses, counters and volumes refer to it with foreign keys enforced: switch
    enforcement off for the copy (as in 0006). PostgreSQL alters in place."""
    if op.get_bind().dialect.name != "sqlite":
        yield
        return
    with op.get_context().autocommit_block():
        op.execute("PRAGMA foreign_keys=OFF")
        try:
            yield
        finally:
            op.execute("PRAGMA foreign_keys=ON")


def upgrade():
    with _rebuilding_tables(), op.batch_alter_table("fields", schema=None) as batch_op:
        batch_op.add_column(sa.Column("valid_from", sa.Date(), nullable=True))
        batch_op.add_column(sa.Column("valid_to", sa.Date(), nullable=True))
        batch_op.create_check_constraint(
            "validity_order", "valid_from IS NULL OR valid_to IS NULL OR valid_from < valid_to")


def downgrade():
    with _rebuilding_tables(), op.batch_alter_table("fields", schema=None) as batch_op:
        batch_op.drop_constraint(op.f("ck_fields_validity_order"), type_="check")
        batch_op.drop_column("valid_to")
        batch_op.drop_column("valid_from")
