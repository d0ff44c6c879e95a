"""two-tier units and lineage: unit kinds of today's structure, validity dates, official
codes, the unit_lineage table with split rules, and the deciding agency of a response

Since 2025-07-01 Viet Nam has two tiers of local government (Resolution 202/2025/QH15,
NĐ 150 and 151/2025). Existing databases are carried forward unchanged: every unit
is kept with valid_from and valid_to NULL (open), and every response keeps its
receiving unit with no deciding agency. The admin closes old units and links them to
their successors with the lineage import (docs/admin.md).

On PostgreSQL the index on responses.deciding_unit_id is built CONCURRENTLY, outside
the migration's transaction, so submissions keep being written (as in 0003); adding
the nullable column itself rewrites nothing.

Revision ID: 0006
Revises: 0005
"""

from contextlib import contextmanager

import sqlalchemy as sa
from alembic import op

revision = "0006"
down_revision = "0005"
branch_labels = None
depends_on = None

OLD_KINDS = ("tinh", "huyen", "xa", "so", "phong", "su_nghiep")
NEW_KINDS = OLD_KINDS + ("hcc_tinh", "hcc_chi_nhanh", "hcc_xa", "diem_tiep_nhan",
                         "xa_van_phong", "xa_kinh_te", "xa_van_hoa_xh", "nganh_doc")


def _kinds(kinds: tuple[str, ...]) -> str:
    return f"kind IN ({', '.join(repr(k) for k in kinds)})"


@contextmanager
def _rebuilding_tables():
    """SQLite alters a table by copying it, and DROP TABLE units would fail while other
    tables refer to it with foreign keys enforced: switch enforcement off for the copy
    (PRAGMA foreign_keys only works outside a transaction). PostgreSQL alters in place."""
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
    with _rebuilding_tables():
        _upgrade_units()
    _create_lineage()
    with _rebuilding_tables():
        _add_deciding_unit()


def _upgrade_units():
    with op.batch_alter_table("units", schema=None) as batch_op:
        batch_op.add_column(sa.Column("admin_code", sa.String(length=32), nullable=True))
        batch_op.add_column(sa.Column("valid_from", sa.Date(), nullable=True))
        batch_op.add_column(sa.Column("valid_to", sa.Date(), nullable=True))
        batch_op.create_unique_constraint(batch_op.f("uq_units_admin_code"), ["admin_code"])
        batch_op.drop_constraint(op.f("ck_units_kind"), type_="check")
        batch_op.create_check_constraint("kind", _kinds(NEW_KINDS))
        batch_op.create_check_constraint(
            "validity_order", "valid_from IS NULL OR valid_to IS NULL OR valid_from < valid_to")


def _create_lineage():
    op.create_table(
        "unit_lineage",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("predecessor_id", sa.Integer(), nullable=False),
        sa.Column("successor_id", sa.Integer(), nullable=False),
        sa.Column("effective_date", sa.Date(), nullable=False),
        sa.Column("change", sa.String(length=8), nullable=False),
        sa.Column("note", sa.String(length=300), nullable=True),
        sa.CheckConstraint("change IN ('merge', 'split', 'rename', 'move')",
                           name=op.f("ck_unit_lineage_change")),
        sa.CheckConstraint("predecessor_id <> successor_id",
                           name=op.f("ck_unit_lineage_not_own_successor")),
        sa.ForeignKeyConstraint(["predecessor_id"], ["units.id"],
                                name=op.f("fk_unit_lineage_predecessor_id_units"),
                                ondelete="RESTRICT"),
        sa.ForeignKeyConstraint(["successor_id"], ["units.id"],
                                name=op.f("fk_unit_lineage_successor_id_units"),
                                ondelete="RESTRICT"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_unit_lineage")),
        sa.UniqueConstraint("predecessor_id", "successor_id",
                            name=op.f("uq_unit_lineage_predecessor_id_successor_id")),
    )
    op.create_index(op.f("ix_unit_lineage_predecessor_id"), "unit_lineage", ["predecessor_id"])
    op.create_index(op.f("ix_unit_lineage_successor_id"), "unit_lineage", ["successor_id"])
    op.create_table(
        "lineage_counter_assignments",
        sa.Column("lineage_id", sa.Integer(), nullable=False),
        sa.Column("counter_id", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(["counter_id"], ["counters.id"],
                                name=op.f("fk_lineage_counter_assignments_counter_id_counters"),
                                ondelete="RESTRICT"),
        sa.ForeignKeyConstraint(["lineage_id"], ["unit_lineage.id"],
                                name=op.f("fk_lineage_counter_assignments_lineage_id_unit_lineage"),
                                ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("lineage_id", "counter_id",
                                name=op.f("pk_lineage_counter_assignments")),
    )
    op.create_index(op.f("ix_lineage_counter_assignments_counter_id"),
                    "lineage_counter_assignments", ["counter_id"])


def _add_deciding_unit():
    if op.get_bind().dialect.name == "postgresql":
        op.add_column("responses", sa.Column("deciding_unit_id", sa.Integer(), nullable=True))
        op.create_foreign_key(op.f("fk_responses_deciding_unit_id_units"), "responses",
                              "units", ["deciding_unit_id"], ["id"], ondelete="RESTRICT")
        with op.get_context().autocommit_block():
            op.create_index(op.f("ix_responses_deciding_unit_id"), "responses",
                            ["deciding_unit_id"], postgresql_concurrently=True,
                            if_not_exists=True)
    else:
        with op.batch_alter_table("responses", schema=None) as batch_op:
            batch_op.add_column(sa.Column("deciding_unit_id", sa.Integer(), nullable=True))
            batch_op.create_foreign_key(batch_op.f("fk_responses_deciding_unit_id_units"),
                                        "units", ["deciding_unit_id"], ["id"],
                                        ondelete="RESTRICT")
            batch_op.create_index(batch_op.f("ix_responses_deciding_unit_id"),
                                  ["deciding_unit_id"])


def downgrade():
    with _rebuilding_tables():
        _drop_deciding_unit()
    op.drop_index(op.f("ix_lineage_counter_assignments_counter_id"),
                  table_name="lineage_counter_assignments")
    op.drop_table("lineage_counter_assignments")
    op.drop_index(op.f("ix_unit_lineage_successor_id"), table_name="unit_lineage")
    op.drop_index(op.f("ix_unit_lineage_predecessor_id"), table_name="unit_lineage")
    op.drop_table("unit_lineage")
    with _rebuilding_tables():
        _downgrade_units()


def _drop_deciding_unit():
    if op.get_bind().dialect.name == "postgresql":
        with op.get_context().autocommit_block():
            op.drop_index(op.f("ix_responses_deciding_unit_id"), table_name="responses",
                          postgresql_concurrently=True, if_exists=True)
        op.drop_constraint(op.f("fk_responses_deciding_unit_id_units"), "responses",
                           type_="foreignkey")
        op.drop_column("responses", "deciding_unit_id")
    else:
        with op.batch_alter_table("responses", schema=None) as batch_op:
            batch_op.drop_index(batch_op.f("ix_responses_deciding_unit_id"))
            batch_op.drop_constraint(batch_op.f("fk_responses_deciding_unit_id_units"),
                                     type_="foreignkey")
            batch_op.drop_column("deciding_unit_id")


def _downgrade_units():
    # Units of the new kinds do not fit the old check: the downgrade fails, deletes nothing.
    with op.batch_alter_table("units", schema=None) as batch_op:
        batch_op.drop_constraint(op.f("ck_units_validity_order"), type_="check")
        batch_op.drop_constraint(op.f("ck_units_kind"), type_="check")
        batch_op.create_check_constraint("kind", _kinds(OLD_KINDS))
        batch_op.drop_constraint(batch_op.f("uq_units_admin_code"), type_="unique")
        batch_op.drop_column("valid_to")
        batch_op.drop_column("valid_from")
        batch_op.drop_column("admin_code")
