"""One status vocabulary (analysis.status): the figure legend, the dashboard's status cell
and the PDF report say the same words for each status, and a unit without a target is
drawn in the no-target colour with a legend entry (it was drawn black, unexplained,
because the reporting layer said "none" where the figures expected "no target")."""

from __future__ import annotations

import re
import shutil
import subprocess
from datetime import date

import pandas as pd
import pytest
from flask import render_template_string
from matplotlib.collections import PathCollection
from matplotlib.colors import to_rgba

from analysis.figures import forest_plot
from analysis.figures.style import STATUS_COLOURS
from analysis.status import NO_TARGET, STATUSES, status_label
from survey_app.periodic_report.builder import ReportMeta, build_pdf
from survey_app.reporting import ReportScope
from survey_app.reporting.dashboard import Dashboard
from survey_app.reporting.query import DashboardQuery
from survey_app.reporting.targets import AppliedTarget, judge_rows

UNITS = {"met": "UBND xã Xuân An", "below": "UBND xã Xuân Bình",
         "inconclusive": "Sở Tư pháp", "no_target": "Trạm Y tế Xuân Hòa"}


def _units(statuses) -> pd.DataFrame:
    """A unit table as the dashboard builds it (the columns the page, figure and PDF read)."""
    n = len(statuses)
    return pd.DataFrame({
        "unit": [UNITS[s] for s in statuses], "unit_id": range(1, n + 1),
        "estimate": [0.80 + 0.03 * i for i in range(n)], "ci_low": [0.75 + 0.03 * i for i in range(n)],
        "ci_high": [0.85 + 0.03 * i for i in range(n)], "n_respondents": [40] * n,
        "rank": range(1, n + 1), "rankable": [True] * n, "status": list(statuses),
        "n_needed": [None] * n})


def _legend(fig) -> list[str]:
    return [t.get_text() for t in fig.legends[0].get_texts()]


def test_a_unit_without_a_target_gets_the_no_target_colour_and_a_legend_entry():
    rows = pd.DataFrame({"unit": ["Có chỉ tiêu", "Không chỉ tiêu"], "estimate": [0.95, 0.80],
                         "ci_low": [0.93, 0.70], "ci_high": [0.97, 0.88], "se": [0.01, 0.045],
                         "df": [99.0, 39.0], "deff": [1.0, 1.0], "n_respondents": [100, 40]})
    target = AppliedTarget(0.9, 2026, "kế hoạch", "overall", None)
    table = pd.concat([rows, pd.DataFrame(judge_rows(rows, [target, None]))], axis=1)
    assert list(table["status"]) == ["met", NO_TARGET]

    fig = forest_plot(table, label="unit", target=0.9)
    ax = fig.axes[0]
    drawn = {tuple(float(v) for v in c.get_offsets()[0]): c.get_facecolor()[0]
             for c in ax.collections if isinstance(c, PathCollection)}
    no_target_point = (0.80, 0.0)  # sorted ascending: the lower estimate is row 0
    assert tuple(drawn[no_target_point]) == pytest.approx(to_rgba(STATUS_COLOURS[NO_TARGET]))
    assert status_label(NO_TARGET) in _legend(fig)


@pytest.mark.parametrize("locale", ["vi", "en"])
@pytest.mark.parametrize("status", STATUSES)
def test_legend_and_dashboard_cell_say_the_same_words(app, status, locale):
    legend = _legend(forest_plot(_units([status]), label="unit", locale=locale))
    with app.test_request_context(f"/?lang={locale}"):
        cell = render_template_string(
            '{% from "staff/_status.html" import status %}{{ status(s) }}', s=status)
    word = re.search(r'<span class="status status-([a-z_]+)">([^<]*)</span>', cell)
    assert word.group(1) == status
    assert legend == [word.group(2)] == [status_label(status, locale)]


@pytest.mark.skipif(shutil.which("pdftotext") is None, reason="needs poppler-utils")
def test_the_pdf_says_the_same_words(app, tmp_path):
    units = _units(STATUSES)
    empty = pd.DataFrame(columns=["index", "estimate", "ci_low", "ci_high", "n_respondents"])
    d = Dashboard(query=DashboardQuery("2026-Q2"), scope=ReportScope(date(2026, 3, 10),
                                                                      date(2026, 6, 9)),
                  previous_period=None, headline=None, locality=None, elements=empty,
                  units=units, fields=empty, heatmap=empty, trend=empty,
                  volumes={"responses": 160, "received": 0, "rate": None})
    meta = ReportMeta("UBND huyện Xuân Hòa", "Toàn địa phương", None, "Quý II 2026", "01/12/2026")
    with app.app_context():
        pdf = build_pdf(d, meta)
    (tmp_path / "r.pdf").write_bytes(pdf)
    text = subprocess.run(["pdftotext", "-layout", str(tmp_path / "r.pdf"), "-"], check=True,
                          capture_output=True, text=True).stdout
    lines = {" ".join(line.split()) for line in text.splitlines()}
    for status in STATUSES:
        row = [line for line in lines if line.startswith(UNITS[status])]
        assert len(row) == 1 and row[0].endswith(" " + status_label(status, "vi")), row
