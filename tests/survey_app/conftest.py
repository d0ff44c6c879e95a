"""Fixtures of the survey tests (the shared ones live in tests/conftest.py)."""

from __future__ import annotations

import pytest

from tests.survey_app.factories import make_world


@pytest.fixture
def world(app):
    return make_world(app)


@pytest.fixture
def any_world(any_app):
    return make_world(any_app)
