"""A web worker boots without statsmodels and matplotlib: the citizen's form never needs
them, and staff pages import them when they draw a figure or fit a model."""

from __future__ import annotations

from tests.analysis.test_import_cost import HEAVY, imported


def test_web_worker_boot_loads_no_statsmodels_or_matplotlib(tmp_path):
    config = {"SQLALCHEMY_DATABASE_URI": f"sqlite:///{tmp_path / 'db.sqlite3'}",
              "SECRET_KEY": "x", "DOSSIER_KEY": "y"}
    names = imported("-c", f"from survey_app import create_app; create_app({config!r})")
    assert "survey_app" in names
    assert not names & set(HEAVY)
