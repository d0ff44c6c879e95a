"""One unit, one number on PostgreSQL (test_one_number.py): a file of its own, so the
workers (`--dist loadfile`) run it beside the SQLite periods instead of after them."""

from __future__ import annotations

import pytest

from survey_app.extensions import db
from tests.survey_app.test_one_number import TODAY, _views


@pytest.mark.slow  # the demo seeded into PostgreSQL, then some twenty dashboards
def test_every_view_agrees_on_postgresql(pg_app):
    """The same invariant on PostgreSQL, for one period (the demo seeded into it)."""
    from survey_app.seed.demo import seed_demo

    with pg_app.app_context():
        seed_demo(today=TODAY)
        db.session.commit()
    _views(pg_app, ("2026-Q3",))
