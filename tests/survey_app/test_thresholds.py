"""The respondent thresholds (change, ranking, priorities) are the dashboard's, and the
page and the PDF print the ones the numbers were computed with, not a number typed into
their text."""

from __future__ import annotations

import pytest

from analysis.formatting import number, percent, points
from survey_app.reporting import dashboard
from tests.conftest import StaffAuth


def test_the_page_prints_the_dashboards_thresholds(demo_app, monkeypatch):
    monkeypatch.setattr(dashboard, "_CACHE", {})
    monkeypatch.setattr(dashboard, "MIN_CHANGE_RESPONDENTS", 12)
    monkeypatch.setattr(dashboard, "RANKED_MIN_RESPONDENTS", 31)
    monkeypatch.setattr(dashboard, "PRIORITY_MIN_RESPONDENTS", 10**6)  # → no priority table
    client = demo_app.test_client()
    assert StaffAuth(client).login("phantich", "demo-analyst").status_code == 302
    page = client.get("/bang-dieu-khien?ky=2026-Q2").text
    assert "đơn vị dưới 31 phiếu không xếp hạng" in page
    assert "với ít nhất 12 phiếu ở mỗi kỳ" in page
    assert "cần ít nhất 1000000 phiếu có câu hỏi hài lòng chung" in page
    english = client.get("/bang-dieu-khien?ky=2026-Q2&lang=en").text
    assert "units under 31 responses are not ranked" in english


@pytest.mark.parametrize("value, locale, pct, num, pp", [
    (0.925, "vi", "92,5%", "0", "+92,5"),
    (0.925, "en", "92.5%", "0", "+92.5"),
    (-0.02, "vi", "-2,0%", "0", "-2,0"),
    (1234.0, "vi", "123400,0%", "1.234", "+123400,0"),
    (1234.0, "en", "123400.0%", "1,234", "+123400.0"),
    (None, "vi", "–", "–", "–"),
    (float("nan"), "en", "–", "–", "–"),
])
def test_one_formatter(value, locale, pct, num, pp):
    assert (percent(value, locale), number(value, locale), points(value, locale)) == (pct, num, pp)
