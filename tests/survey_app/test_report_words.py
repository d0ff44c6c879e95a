"""Words and numbers of the dashboard and the PDF report that must not mislead (issue 13):
targets printed exactly as the verdicts use them, the two counts of responses named
apart, and the priority table saying when it is a fallback."""

from __future__ import annotations

import re
import shutil
import subprocess
from datetime import date

import pandas as pd
import pytest
import sqlalchemy as sa

from analysis.figures import forest_plot, trend_plot
from analysis.formatting import target_percent
from survey_app.extensions import db
from survey_app.models import Target
from survey_app.periodic_report.builder import ReportMeta, build_pdf
from survey_app.reporting import ReportScope
from survey_app.reporting.dashboard import Dashboard
from survey_app.reporting.query import DashboardQuery
from tests.conftest import StaffAuth


@pytest.fixture(autouse=True)
def fresh_dashboard_cache(monkeypatch):
    """Each test changes the demo's data: no dashboard of an earlier test may be served
    from the minute-long cache (same user id, same query)."""
    from survey_app.reporting import dashboard
    monkeypatch.setattr(dashboard, "_CACHE", {})


needs_pdftotext = pytest.mark.skipif(shutil.which("pdftotext") is None,
                                     reason="needs poppler-utils")


def _analyst_page(app, query: str) -> str:
    client = app.test_client()
    assert StaffAuth(client).login("phantich", "demo-analyst").status_code == 302
    page = client.get(f"/bang-dieu-khien?{query}")
    assert page.status_code == 200
    return page.text


def _set_targets(app, value: float) -> None:
    with app.app_context():
        db.session.execute(sa.update(Target).values(value=value))
        db.session.commit()


def pdf_text(d: Dashboard, tmp_path) -> str:
    meta = ReportMeta("UBND huyện Xuân Hòa", "Toàn địa phương", None, "Quý II 2026", "01/12/2026")
    (tmp_path / "r.pdf").write_bytes(build_pdf(d, meta))
    text = subprocess.run(["pdftotext", "-layout", str(tmp_path / "r.pdf"), "-"], check=True,
                          capture_output=True, text=True).stdout
    return " ".join(text.split())


def small_dashboard(**changes) -> Dashboard:
    empty = pd.DataFrame(columns=["index", "estimate", "ci_low", "ci_high", "n_respondents"])
    values = dict(query=DashboardQuery("2026-Q2"),
                  scope=ReportScope(date(2026, 3, 10), date(2026, 6, 9)),
                  previous_period=None, headline=None, locality=None, elements=empty,
                  units=pd.DataFrame(), fields=empty, heatmap=empty, trend=empty,
                  volumes={"responses": 160, "received": 0, "rate": None})
    values.update(changes)
    return Dashboard(**values)


HEADLINE = {"estimate": 0.962, "ci_low": 0.95, "ci_high": 0.972, "se": 0.005,
            "n_respondents": 151, "n_answers": 3000, "method": "logit", "target": 0.955,
            "status": "inconclusive", "n_needed": 900, "target_source": "kế hoạch",
            "target_year": 2026}


# ---- item 3: targets exactly ----------------------------------------------------------

def test_target_percent_prints_as_many_decimals_as_the_value_needs():
    assert target_percent(0.955, "vi") == "95,5%" and target_percent(0.955, "en") == "95.5%"
    assert target_percent(0.95) == "95%" and target_percent(0.9125, "en") == "91.25%"
    assert target_percent(1.0) == "100%" and target_percent(None) == "–"


@pytest.mark.parametrize("lang, shown", [("vi", "95,5%"), ("en", "95.5%")])
def test_dashboard_prints_a_95_5_target_exactly(demo_app, lang, shown):
    _set_targets(demo_app, 0.955)
    page = _analyst_page(demo_app, f"ky=2026-Q2&lang={lang}")
    assert f"≥ {shown}" in page
    assert "≥ 96%" not in page and "≥ 95%" not in page


@needs_pdftotext
def test_pdf_prints_a_95_5_target_exactly(app, tmp_path):
    fields = pd.DataFrame({"field": ["Đất đai"], "estimate": [0.96], "ci_low": [0.93],
                           "ci_high": [0.98], "n_respondents": [80], "target": [0.955],
                           "status": ["inconclusive"], "n_needed": [None]})
    with app.app_context():
        text = pdf_text(small_dashboard(headline=HEADLINE, fields=fields), tmp_path)
    assert "Chỉ tiêu: ≥ 95,5%" in text
    assert "Đất đai 96,0% 93,0%–98,0% 80 ≥ 95,5%" in text
    assert "96%" not in text.replace("96,0%", "").replace("96,2%", "")


def test_figure_target_lines_are_labelled_exactly():
    units = pd.DataFrame({"unit": ["A", "B"], "estimate": [0.96, 0.94], "ci_low": [0.95, 0.9],
                          "ci_high": [0.97, 0.97], "n_respondents": [100, 100]})
    fig = forest_plot(units, label="unit", target=0.9125, locale="en")
    assert "Target 91.25%" in [t.get_text() for t in fig.legends[0].get_texts()]
    trend = pd.DataFrame({"period": ["2026-Q1", "2026-Q2"], "estimate": [0.94, 0.96],
                          "ci_low": [0.92, 0.95], "ci_high": [0.96, 0.97]})
    fig = trend_plot(trend, group=None, target=0.9125)
    assert "Chỉ tiêu 91,25%" in [t.get_text() for t in fig.axes[0].texts]


# ---- item 4: two counts, two names ----------------------------------------------------

@pytest.mark.parametrize("lang, scored, valid", [
    ("vi", "người trả lời có chấm điểm", "Số phiếu hợp lệ"),
    ("en", "respondents with a scored answer", "Valid responses")])
def test_dashboard_names_the_two_counts_apart(demo_app, lang, scored, valid):
    from survey_app.models import User
    from survey_app.reporting.dashboard import build_dashboard
    from survey_app.web.locale import number

    with demo_app.app_context():
        analyst = db.session.scalar(sa.select(User).filter_by(username="phantich"))
        d = build_dashboard(analyst, DashboardQuery("2026-Q2"))
    page = _analyst_page(demo_app, f"ky=2026-Q2&lang={lang}")
    n_scored = number(d.headline["n_respondents"], lang)
    n_valid = number(d.volumes["responses"], lang)
    assert f"{n_scored} {scored}" in page
    assert f"{valid}" in page and f'<p class="value">{n_valid}</p>' in page
    assert scored.lower() not in valid.lower() and "phiếu</p>" not in page
    # the difference is said in one sentence beside the counts
    assert page.count(scored) >= 2 and page.count(valid) >= 2


@needs_pdftotext
def test_pdf_names_the_two_counts_apart(app, tmp_path):
    with app.app_context():
        text = pdf_text(small_dashboard(headline=HEADLINE), tmp_path)
    assert "Số phiếu hợp lệ: 160" in text
    assert "151 người trả lời có chấm điểm" in text
    assert "Số phiếu hợp lệ (mục I) đếm mọi phiếu được ghi nhận" in text


# ---- item 5: the priority table says when it is a fallback ------------------------------

def _everyone_satisfied_overall(app) -> None:
    """Overall satisfaction without variation: no logistic model can be fitted."""
    from survey_app.models import Answer
    with app.app_context():
        db.session.execute(sa.update(Answer).where(Answer.element_code.is_(None),
                                                   Answer.satisfied.is_not(None))
                           .values(satisfied=True))
        db.session.commit()


@pytest.mark.parametrize("lang, said, group", [
    ("vi", "Không ước lượng được mức ảnh hưởng", "Chưa xác định"),
    ("en", "Importance could not be estimated", "Importance unknown")])
def test_dashboard_says_the_priority_is_an_equal_weights_fallback(demo_app, lang, said, group):
    _everyone_satisfied_overall(demo_app)
    page = _analyst_page(demo_app, f"ky=2026-Q2&lang={lang}")
    assert said in page and f"<td>{group}</td>" in page
    assert "<td>Ưu tiên cải thiện</td>" not in page and "<td>Fix first</td>" not in page
    assert "hồi quy logistic" not in page and "logistic regression" not in page
    client = demo_app.test_client()
    StaffAuth(client).login("phantich", "demo-analyst")
    src = re.search(r'src="([^"]*uu-tien\.png[^"]*)"', page).group(1).replace("&amp;", "&")
    figure = client.get(src)  # the matrix draws the fallback's label, no 500
    assert figure.status_code == 200 and figure.mimetype == "image/png"


def test_dashboard_without_fallback_describes_the_regression(demo_app):
    page = _analyst_page(demo_app, "ky=2026-Q2")
    assert "Không ước lượng được mức ảnh hưởng" not in page and "hồi quy logistic" in page


@needs_pdftotext
def test_pdf_says_the_priority_is_an_equal_weights_fallback(app, tmp_path):
    elements = pd.DataFrame({"index": ["TC", "TT"], "estimate": [0.97, 0.96],
                             "ci_low": [0.95, 0.94], "ci_high": [0.98, 0.98],
                             "n_respondents": [80, 80]})
    priority = pd.DataFrame({"rank": [1, 2], "index": ["TT", "TC"],
                             "dissatisfaction": [0.04, 0.03], "importance": [0.5, 0.5],
                             "quadrant": ["importance unknown"] * 2,
                             "fallback": ["equal_weights"] * 2})
    with app.app_context():
        text = pdf_text(small_dashboard(elements=elements, priority=priority,
                                        priority_note="equal_weights"), tmp_path)
    assert "Không ước lượng được mức ảnh hưởng" in text and "trọng số bằng nhau" in text
    assert "chưa xác định" in text and "ưu tiên cải thiện" not in text.split("VII.")[1].split(
        "VIII.")[0].replace("CẦN ƯU TIÊN CẢI THIỆN", "")
    assert "hồi quy logistic" not in text
