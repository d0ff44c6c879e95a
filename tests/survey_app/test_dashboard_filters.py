"""The dashboard's pickers: the unit tree, the quarter under way, a free from–to range
(and its errors in the user's language)."""

from __future__ import annotations

import re
from datetime import date

import pytest
import sqlalchemy as sa

from analysis.periods import period_bounds
from analysis.periods import today as current_day
from survey_app.extensions import db
from survey_app.models import Unit
from survey_app.reporting.periods import period_choices
from survey_app.seed import demo
from tests.conftest import StaffAuth


@pytest.fixture
def analyst(demo_app):
    client = demo_app.test_client()
    assert StaffAuth(client).login("phantich", "demo-analyst").status_code == 302
    return client


def _options(page: str, select_id: str) -> list[tuple[str, str]]:
    block = re.search(rf'<select id="{select_id}"[^>]*>(.*?)</select>', page, re.S).group(1)
    return re.findall(r'<option value="([^"]*)"[^>]*>([^<]*)</option>', block)


def _headline(page: str) -> str:
    return re.search(r'<p class="value">([^<]+)</p>', page).group(1)


def test_unit_picker_shows_the_tree(demo_app, analyst):
    options = _options(analyst.get("/bang-dieu-khien?ky=2026-Q2").text, "don_vi")
    with demo_app.app_context():
        today = current_day()
        units = {u.id: u for u in db.session.scalars(sa.select(Unit)) if u.valid_on(today)}
        position = {u_id: i for i, (u_id, _label) in enumerate(options)}
        for unit in units.values():
            label = dict(options)[str(unit.id)]
            depth = 0
            parent = unit.parent
            while parent is not None:
                depth += 1
                # a parent comes before its children in the list
                assert position[str(parent.id)] < position[str(unit.id)]
                parent = parent.parent
            assert label.startswith("\u2003" * depth + ("└ " if depth else "") + unit.name_vi)
            assert not label.startswith("\u2003" * (depth + 1))
    assert any(label.startswith("\u2003└ ") for _v, label in options)  # the demo has depth


def test_unit_user_picker_is_its_own_subtree(demo_app):
    client = demo_app.test_client()
    assert StaffAuth(client).login("xuanan", "demo-unit").status_code == 302
    options = _options(client.get("/bang-dieu-khien").text, "don_vi")
    with demo_app.app_context():
        own = db.session.scalar(sa.select(Unit).filter_by(code=demo.UNIT_USER_UNIT))
        assert options[0] == (str(own.id), own.name_vi)  # its own unit is the root


def test_quarter_under_way_is_offered_and_marked(demo_app):
    with demo_app.test_request_context("/"):
        choices = period_choices(today=date(2026, 7, 1))
    assert choices[0][0] == "2026-Q3" and choices[0][1].endswith("· đang diễn ra")
    assert choices[1][0] == "2026-Q2" and "đang diễn ra" not in choices[1][1]
    marked = {label for label, name in choices if "đang diễn ra" in name}
    assert marked == {"2026-Q3", "2026-9M", "2026-Y", "2026-CY"}  # the periods holding 1 July
    with demo_app.test_request_context("/?lang=en"):
        english = period_choices(today=date(2026, 7, 1))
    assert english[0][1].endswith("· in progress") and english[0][1].startswith("Quarter III")


def test_current_quarter_is_first_in_the_page(analyst):
    first = _options(analyst.get("/bang-dieu-khien").text, "ky")[0]
    assert "đang diễn ra" in first[1]


def test_free_range_gives_the_numbers_of_the_same_days(analyst):
    start, end = period_bounds("2026-Q2")
    quarter = analyst.get("/bang-dieu-khien?ky=2026-Q2")
    ranged = analyst.get(f"/bang-dieu-khien?ky=khoang&tu={start}&den={end}")
    assert ranged.status_code == 200
    assert _headline(ranged.text) == _headline(quarter.text)
    assert f"Từ {start:%d/%m/%Y} đến {end:%d/%m/%Y}" in ranged.text
    assert f'value="{start.isoformat()}"' in ranged.text  # the dates stay in the form
    # the range label travels in the links (exports, report) like a named period
    assert "ky=2026-R20260310-20260609" in ranged.text
    # the same range typed again from the page (ky is then the range label)
    again = analyst.get(f"/bang-dieu-khien?ky=2026-R20260310-20260609&tu={start}&den={end}")
    assert _headline(again.text) == _headline(quarter.text)
    # a named period chosen in the picker wins over dates left in the form
    named = analyst.get(f"/bang-dieu-khien?ky=2026-Q1&tu={start}&den={end}")
    assert "Quý I 2026" in named.text and 'value="2026-Q1" selected' in named.text


@pytest.mark.parametrize(("query", "vi", "en"), [
    ("tu=2026-05-01&den=2026-04-01", "đứng trước ngày bắt đầu", "is before the start"),
    ("tu=2026-13-01&den=2026-04-01", "Từ ngày không hợp lệ", "From is not a valid date"),
    ("tu=2026-01-01&den=abc", "Đến ngày không hợp lệ", "To is not a valid date"),
    ("tu=2020-01-01&den=2026-04-01", "Khoảng thời gian dài quá", "longer than"),
    ("tu=&den=", "Hãy chọn ngày bắt đầu", "Choose the first and the last day"),
    ("tu=2026-01-01&den=", "Đến ngày không hợp lệ", "To is not a valid date"),
])
def test_bad_range_is_a_400_in_the_users_language(analyst, query, vi, en):
    page = analyst.get(f"/bang-dieu-khien?ky=khoang&{query}")
    assert page.status_code == 400 and vi in page.text
    page = analyst.get(f"/bang-dieu-khien?ky=khoang&{query}&lang=en")
    assert page.status_code == 400 and en in page.text, page.text[-1500:]
    assert analyst.get(f"/xuat/chi-so.csv?ky=khoang&{query}").status_code == 400


def test_bad_range_label_is_a_400(analyst):
    for label in ("2026-R20260501-20260401", "2026-R20261301-20261401", "2025-R20260101-20260102"):
        assert analyst.get(f"/bang-dieu-khien?ky={label}").status_code == 400
