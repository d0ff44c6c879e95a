"""dossier uniqueness per unit, and a count of receipt links issued per unit and day

- responses: UNIQUE (dossier_hash) becomes UNIQUE (unit_id, dossier_hash). A unit's API
  key could mint a link for another unit's dossier code and "use up" that dossier (the
  other unit's own link then got 409). Existing rows were unique over all units, so they
  are unique per unit too: nothing to rewrite.
- receipt_link_counts (unit_id, day, issued): how many receipt links each unit's key
  issued per day, without dossier codes. The per-unit daily quota is counted in it, and
  the admin unit page sets it against the dossier volumes.

On SQLite the constraint can only change by rebuilding `responses` (batch mode), and
dropping the old table would cascade to its answers and comments while foreign keys are
on: they are switched off (outside a transaction, where SQLite honours the pragma) for
the rebuild, and the foreign keys are checked before they are switched back on.

Downgrade restores the global uniqueness; it fails if two units have since received a
response for the same dossier hash (resolve those rows first).

Revision ID: 0005
Revises: 0004
"""

from contextlib import contextmanager

import sqlalchemy as sa
from alembic import op

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None


@contextmanager
def _children_kept():
    """Rebuild a parent table on SQLite without cascading deletes to its children."""
    sqlite = op.get_bind().dialect.name == "sqlite"
    if sqlite:
        with op.get_context().autocommit_block():
            op.execute("PRAGMA foreign_keys=OFF")
    yield
    if sqlite:
        problems = op.get_bind().exec_driver_sql("PRAGMA foreign_key_check").all()
        if problems:
            raise RuntimeError(f"foreign keys broken by the rebuild: {problems[:5]}")
        with op.get_context().autocommit_block():
            op.execute("PRAGMA foreign_keys=ON")


def _unique_dossier(drop: str, create: str, columns: list[str]) -> None:
    with _children_kept(), op.batch_alter_table("responses", schema=None) as batch_op:
        batch_op.drop_constraint(op.f(drop), type_="unique")
        batch_op.create_unique_constraint(op.f(create), columns)


def upgrade():
    _unique_dossier("uq_responses_dossier_hash", "uq_responses_unit_id_dossier_hash",
                    ["unit_id", "dossier_hash"])
    op.create_table(
        "receipt_link_counts",
        sa.Column("unit_id", sa.Integer(), nullable=False),
        sa.Column("day", sa.Date(), nullable=False),
        sa.Column("issued", sa.Integer(), nullable=False),
        sa.CheckConstraint("issued >= 0", name=op.f("ck_receipt_link_counts_issued_non_negative")),
        sa.ForeignKeyConstraint(["unit_id"], ["units.id"],
                                name=op.f("fk_receipt_link_counts_unit_id_units"),
                                ondelete="RESTRICT"),
        sa.PrimaryKeyConstraint("unit_id", "day", name=op.f("pk_receipt_link_counts")),
    )


def downgrade():
    op.drop_table("receipt_link_counts")
    _unique_dossier("uq_responses_unit_id_dossier_hash", "uq_responses_dossier_hash",
                    ["dossier_hash"])
