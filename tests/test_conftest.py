"""The shared fixtures' shortcuts give what the long way gives."""

from __future__ import annotations

from datetime import datetime

import pytest
import sqlalchemy as sa

from survey_app.extensions import db
from tests.conftest import create_schema_and_reference_data, make_app

CATALOG = {
    "columns": "SELECT table_name, column_name, ordinal_position, data_type, is_nullable, "
               "column_default, character_maximum_length, numeric_precision "
               "FROM information_schema.columns WHERE table_schema = current_schema()",
    "constraints": "SELECT t.relname, c.conname, c.contype, pg_get_constraintdef(c.oid) "
                   "FROM pg_constraint c JOIN pg_class t ON t.oid = c.conrelid "
                   "WHERE c.connamespace = current_schema()::regnamespace",
    "indexes": "SELECT tablename, indexname, replace(indexdef, current_schema() || '.', '') "
               "FROM pg_indexes WHERE schemaname = current_schema()",
    "triggers": "SELECT t.relname, g.tgname, "
                "replace(pg_get_triggerdef(g.oid), current_schema() || '.', '') FROM pg_trigger g "
                "JOIN pg_class t ON t.oid = g.tgrelid "
                "WHERE t.relnamespace = current_schema()::regnamespace AND NOT g.tgisinternal",
    "functions": "SELECT proname, prosrc FROM pg_proc "
                 "WHERE pronamespace = current_schema()::regnamespace",
    "sequences": "SELECT sequencename, last_value, start_value, increment_by "
                 "FROM pg_sequences WHERE schemaname = current_schema()",
}


def _when_built(value):
    """A time stamp (published_at, ...) says when the template was built, not the test."""
    return datetime if isinstance(value, datetime) else value


def _contents(app) -> dict[str, list]:
    """The schema's catalog (names without the schema) and every row of every table."""
    with app.app_context():
        found = {name: sorted(map(tuple, db.session.execute(sa.text(query))), key=repr)
                 for name, query in CATALOG.items()}
        for table in db.metadata.sorted_tables:
            found[table.name] = [tuple(map(_when_built, r)) for r in db.session.execute(
                sa.select(table).order_by(*table.primary_key.columns))]
        db.session.remove()
        db.engine.dispose()
    return found


@pytest.mark.postgres
def test_pg_app_copy_equals_create_all_and_the_reference_sync(pg_app, pg_schema_url):
    slow = make_app(pg_schema_url)
    create_schema_and_reference_data(slow)
    copied, built = _contents(pg_app), _contents(slow)
    assert copied["columns"] and copied["triggers"] and copied["instrument_versions"]
    assert copied == built
    with pg_app.app_context():  # the sequences go on from the copied rows
        from survey_app.models import Field

        db.session.add(Field(code="moi", name_vi="Mới", name_en="New"))
        db.session.commit()
