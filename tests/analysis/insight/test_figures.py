"""Every figure renders Vietnamese names with the bundled font, no missing glyph, and is
saved as PNG + SVG (samples kept in test-artifacts/figures/, SIPAS_TEST_ARTIFACTS
overrides the folder)."""

from __future__ import annotations

import unicodedata
import warnings

import matplotlib
import pandas as pd
import pytest
from matplotlib.ft2font import FT2Font
from PIL import Image

from analysis.change import trend_series
from analysis.figures import (
    distribution_plot,
    forest_plot,
    heatmap,
    percent,
    priority_matrix,
    save_figure,
    trend_plot,
)
from analysis.figures.style import FONT_PATH, LOCALES
from analysis.priority import priority_table
from analysis.targets import apply_targets
from tests.analysis.insight.synth import ELEMENT_NAMES, INSTRUMENT, UNITS

ITEM_NAMES = {i: f"{ELEMENT_NAMES[e]} – tiêu chí {k + 1}"
              for e, its in INSTRUMENT.items() for k, i in enumerate(its)}


def test_font_is_matplotlibs_own_and_covers_every_label():
    assert FONT_PATH.is_file() and FONT_PATH.is_relative_to(matplotlib.get_data_path())
    font = FT2Font(str(FONT_PATH))
    texts = [*UNITS, *ELEMENT_NAMES.values(), *ITEM_NAMES.values(),
             *(v for loc in LOCALES.values() for v in loc.values()), "▨↗–"]
    chars = {c for t in texts for c in unicodedata.normalize("NFC", t) if not c.isspace()}
    missing = [c for c in chars if font.get_char_index(ord(c)) == 0]
    assert missing == []


def test_percent_convention():
    assert percent(0.925) == "92,5%"
    assert percent(0.925, "en") == "92.5%"
    assert percent(float("nan")) == "–"


def _save(fig, artifacts, name, min_size=(1000, 600)):
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        paths = save_figure(fig, artifacts / name)
    glyph = [str(w.message) for w in caught if "missing from font" in str(w.message)
             or "Glyph" in str(w.message)]
    assert glyph == [] and caught == [], [str(w.message) for w in caught]
    png, svg = paths
    with Image.open(png) as im:
        assert im.size[0] >= min_size[0] and im.size[1] >= min_size[1]
    assert svg.stat().st_size > 10_000
    return png


@pytest.mark.parametrize("locale", ["vi", "en"])
def test_forest(results, artifacts, locale):
    ov = results[(results["level"] == "overall") & (results["period"] == "2025")]
    tab = apply_targets(ov, pd.DataFrame({"scope": [""], "field": [""], "target": [0.8]}))
    fig = forest_plot(tab, target=0.8, locale=locale)
    labels = [t.get_text() for t in fig.axes[0].get_yticklabels()]
    assert labels[-1].startswith("UBND xã Xuân Hòa")  # best on top
    assert any("Xuân Hòa" in s for s in labels)
    legend = [t.get_text() for t in fig.legends[0].get_texts()]
    assert ("Chưa đạt chỉ tiêu" in legend) == (locale == "vi")
    _save(fig, artifacts, f"forest_{locale}")


def test_heatmap(results, artifacts):
    el = results[(results["level"] == "element") & (results["period"] == "2025")]
    fig = heatmap(el, names=ELEMENT_NAMES)
    xt = " ".join(t.get_text().replace("\n", " ") for t in fig.axes[0].get_xticklabels())
    assert "Tiếp nhận, xử lý góp ý, phản ánh, kiến nghị" in xt
    _save(fig, artifacts, "heatmap")


def test_trend(results, artifacts):
    units = ["UBND xã Xuân Hòa", "UBND xã Xuân Định", "Sở Tư pháp", "UBND xã Suối Cát"]
    ts = trend_series(results[results["unit"].isin(units)], by=["unit"])
    _save(trend_plot(ts, target=0.8), artifacts, "trend")
    with pytest.raises(ValueError, match="at most 8"):
        trend_plot(trend_series(results, by=["unit"]))


def test_distribution(split, artifacts):
    ans = split[0]
    sub = ans[(ans["unit"] == "UBND xã Xuân Hòa") & (ans["period"] == "2025")]
    fig = distribution_plot(sub, names=ITEM_NAMES, title="Phân bố câu trả lời – UBND xã Xuân Hòa")
    legend = [t.get_text() for t in fig.legends[0].get_texts()]
    assert legend == ["Rất không hài lòng", "Không hài lòng", "Bình thường", "Hài lòng",
                      "Rất hài lòng", "Không áp dụng"]
    _save(fig, artifacts, "distribution")


def test_priority_matrix(split, artifacts):
    tab = priority_table(*split)
    fig = priority_matrix(tab, names=ELEMENT_NAMES)
    texts = " ".join(t.get_text() for t in fig.axes[1].texts)
    assert "Tiếp nhận, xử lý góp ý, phản ánh, kiến nghị" in texts and "%" in texts
    _save(fig, artifacts, "priority")


def test_missing_glyph_would_be_caught(tmp_path):
    """The check above is live: a glyph DejaVu Sans lacks warns while saving."""
    from analysis.figures.style import new_figure, style

    with style():
        fig = new_figure(2, 1)
        fig.text(0.1, 0.5, "漢")
    with pytest.warns(UserWarning, match="missing from font"):
        save_figure(fig, tmp_path / "cjk")


def test_dollar_signs_in_names_stay_text(results):
    """Unit and element names come from import files: "$…$" is not mathtext (found by
    tests/hostile: an unbalanced "$\\frac{1}{$" raised ValueError while drawing)."""
    import io

    ov = results[(results["level"] == "overall") & (results["period"] == "2025")].copy()
    ov["unit"] = [f"UBND $\\frac{{{i}}}{{$ xã" for i in range(len(ov))]
    fig = forest_plot(ov)
    fig.savefig(io.BytesIO(), format="png")
    labels = [t.get_text() for t in fig.axes[0].get_yticklabels()]
    assert any(s.startswith("UBND $\\frac{") for s in labels)


@pytest.mark.parametrize("locale", ["vi", "en"])
def test_priority_matrix_draws_no_mean_quadrants_that_contradict_the_labels(locale):
    """Issue 13 item 5: the #1 element (highest dissatisfaction × importance) sits under
    the mean importance, so mean lines would put it in the "improve later" corner while
    its label says "fix first". The figure draws no such lines, colours each point by
    its label, and a caption says that the colours follow the rank."""
    from analysis.figures.priority_matrix import _QUADRANT_COLOURS
    from analysis.figures.style import text

    tab = pd.DataFrame({
        "index": ["A", "B", "C"], "importance": [0.30, 0.40, 0.30],
        "dissatisfaction": [0.50, 0.20, 0.10], "dissatisfaction_low": [0.40, 0.15, 0.05],
        "dissatisfaction_high": [0.60, 0.25, 0.15], "priority": [0.15, 0.08, 0.03],
        "rank": [1, 2, 3], "quadrant": ["fix first", "keep up", "low priority"]})
    assert tab.loc[0, "importance"] < tab["importance"].mean()  # left of the mean line
    fig = priority_matrix(tab, locale=locale)
    ax, key = fig.axes[0], fig.axes[1]
    assert len(ax.lines) == 0  # no axvline / axhline at the means
    colours = ax.collections[1].get_facecolors()  # the scatter, in rank order
    assert matplotlib.colors.to_hex(colours[0]) == _QUADRANT_COLOURS["fix first"].lower()
    texts = [t.get_text().replace("\n", " ") for t in key.texts]
    assert text("prio_caption", locale) in texts
    assert not any("↗" in t.get_text() for t in ax.texts)
