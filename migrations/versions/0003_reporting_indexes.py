"""reporting indexes: covering, partial indexes for the national-scale dashboard

The reporting SQL (survey_app/reporting/indices.py) reads only valid responses and
only answers to element items. These indexes hold exactly the columns it reads, so
PostgreSQL answers from the index alone (index-only scans) instead of the tables:

- ix_answers_report: (response_id) INCLUDE (item_position, satisfied), element items
  with a value. The per-respondent bit masks come from it, for a period's id range
  (the whole country) or response by response (a province).
- ix_responses_valid_submitted_at: (submitted_at) INCLUDE (id, unit_id, field_id,
  instrument_version_id), valid responses: a period's responses, whole country or a
  unit subtree (the unit filter is read from the index too).

A third candidate, valid responses by (unit_id, submitted_at) with the same INCLUDE,
saved 2 % of the pages for the biggest province on top of these two and nothing for
the nation: left out.

Measured with bench/national_scale.py (10 M answers, 700 units): docs/reporting.md,
"National scale". SQLite gets the same partial indexes without INCLUDE (it has none).

On PostgreSQL they are built CONCURRENTLY, outside the migration's transaction, so
citizens' submissions keep being written while a large table is indexed. If a build
fails it leaves an INVALID index: drop it and run the upgrade again.

Revision ID: 0003
Revises: 0002
"""

import sqlalchemy as sa
from alembic import op

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None

VALID = "status = 'valid'"
ELEMENT_ANSWER = "element_code IS NOT NULL AND value IS NOT NULL"
INDEXES = [
    # name, table, key columns, included columns, predicate
    ("ix_answers_report", "answers", ["response_id"], ["item_position", "satisfied"],
     ELEMENT_ANSWER),
    ("ix_responses_valid_submitted_at", "responses", ["submitted_at"],
     ["id", "unit_id", "field_id", "instrument_version_id"], VALID),
]


def upgrade():
    if op.get_bind().dialect.name == "postgresql":
        with op.get_context().autocommit_block():
            for name, table, columns, include, where in INDEXES:
                op.create_index(name, table, columns, unique=False, postgresql_include=include,
                                postgresql_where=sa.text(where), postgresql_concurrently=True,
                                if_not_exists=True)
    else:
        for name, table, columns, _include, where in INDEXES:
            op.create_index(name, table, columns, unique=False, sqlite_where=sa.text(where))


def downgrade():
    if op.get_bind().dialect.name == "postgresql":
        with op.get_context().autocommit_block():
            for name, table, *_ in reversed(INDEXES):
                op.drop_index(name, table_name=table, postgresql_concurrently=True,
                              if_exists=True)
    else:
        for name, table, *_ in reversed(INDEXES):
            op.drop_index(name, table_name=table)
