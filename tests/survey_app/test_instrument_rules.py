"""The dashboard follows the instrument: which answers count as satisfied (the stored
Answer.satisfied) and which question is the overall one (its code)."""

from __future__ import annotations

import numpy as np
import sqlalchemy as sa

from survey_app.extensions import db
from survey_app.models import User
from survey_app.reporting.dashboard import DashboardQuery, build_dashboard
from tests.conftest import add_user
from tests.survey_app.other_rule import PERIOD, add_only_five_world


def _dashboard(app):
    add_only_five_world(app)
    add_user(app, "phantich-quytac", "analyst")
    with app.app_context():
        analyst = db.session.scalar(sa.select(User).filter_by(username="phantich-quytac"))
        return build_dashboard(analyst, DashboardQuery(PERIOD))


def test_priority_finds_the_overall_question_by_the_instruments_code(app):
    board = _dashboard(app)
    assert board.priority_note is None  # was "no_overall": only "OVERALL" was looked for
    assert board.priority is not None and len(board.priority) == 5


def test_priority_and_element_tables_agree_when_only_5_is_satisfied(app):
    board = _dashboard(app)
    elements = board.elements.set_index("index")["estimate"]
    priority = board.priority.set_index("index")["dissatisfaction"]
    assert set(priority.index) == set(elements.index)
    # Both count the stored flag (only 5 satisfied): value ≥ 4 would make them differ
    # by the share of 4s, about a third of the answers here.
    np.testing.assert_allclose(priority.sort_index(), 1 - elements.sort_index(), atol=1e-12)
    assert (elements < 0.5).all()
