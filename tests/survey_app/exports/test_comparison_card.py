"""A unit's comparison card ("Toàn địa phương (để so sánh)") shows a figure only when enough
other units and respondents make it up; otherwise it says why (docs/privacy.md)."""

from __future__ import annotations

import re

import pytest
import sqlalchemy as sa

from survey_app.extensions import db
from survey_app.models import Field, Unit
from survey_app.reporting import ReportScope, compute_indices_sql
from survey_app.seed import demo

PERIOD = "2026-Y"


@pytest.fixture(autouse=True)
def _fresh_dashboards(monkeypatch):
    """The dashboard cache is per process and keyed by user id: another test's demo copy
    would answer for this one."""
    monkeypatch.setattr("survey_app.reporting.dashboard._CACHE", {})


def _ids(app, model, code):
    with app.app_context():
        return db.session.scalar(sa.select(model.id).filter_by(code=code))


def _card(page: str) -> str:
    match = re.search(r"<h2>Toàn địa phương \(để so sánh\)</h2>(.*?)</div>", page, re.S)
    assert match, "no comparison card"
    return match.group(1)


def test_a_field_with_one_other_unit_shows_no_figure(demo_app, login):
    """In the demo, only the provincial centre has answers in "cư trú" (its police counter):
    the locality's index for that field would be exactly the centre's, shown to a commune."""
    field = _ids(demo_app, Field, "cu-tru")
    with demo_app.app_context():
        scope = ReportScope.for_period(PERIOD, unit_ids=(_ids(demo_app, Unit,
                                                               demo.PROVINCE_CENTRE),),
                                       field_ids=(field,))
        assert set(compute_indices_sql(ReportScope.for_period(
            PERIOD, field_ids=(field,)), by=("unit",))["unit_id"]) == {
                _ids(demo_app, Unit, demo.PROVINCE_CENTRE)}
        other = compute_indices_sql(scope)
        estimate = other[other["level"] == "overall"].iloc[0]["estimate"]
    leaked = f"{estimate * 100:.1f}%".replace(".", ",")
    page = login("xuanan").get(f"/bang-dieu-khien?ky={PERIOD}&linh_vuc={field}").text
    card = _card(page)
    assert leaked not in card
    assert "Không hiển thị" in card
    assert "chỉ có 1 đơn vị" in card and "ít nhất 3 đơn vị khác và 30 phiếu" in card


def test_a_field_with_many_units_shows_the_figure(demo_app, login):
    field = _ids(demo_app, Field, "dat-dai")
    card = _card(login("xuanan").get(f"/bang-dieu-khien?ky={PERIOD}&linh_vuc={field}").text)
    assert "Không hiển thị" not in card and re.search(r"\d+,\d%", card)


def test_thresholds_are_settings(demo_app, login):
    demo_app.config["COMPARISON_MIN_UNITS"] = 50
    field = _ids(demo_app, Field, "dat-dai")
    card = _card(login("xuanan").get(f"/bang-dieu-khien?ky={PERIOD}&linh_vuc={field}").text)
    assert "Không hiển thị" in card and "ít nhất 50 đơn vị khác" in card


def test_thresholds_come_from_the_environment(monkeypatch):
    from survey_app.config import from_environment

    monkeypatch.setenv("SIPAS_COMPARISON_MIN_UNITS", "5")
    monkeypatch.setenv("SIPAS_COMPARISON_MIN_RESPONDENTS", "100")
    settings = from_environment("/tmp")
    assert (settings["COMPARISON_MIN_UNITS"], settings["COMPARISON_MIN_RESPONDENTS"]) == (5, 100)
