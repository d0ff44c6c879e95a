"""Shared look of the figures: explicit font with Vietnamese glyphs, Okabe–Ito colours,
Vietnamese/English labels, percentage format and :func:`save_figure`.

Font: DejaVu Sans loaded from matplotlib's own package data (so a clean pip-only
machine renders "Tiếp nhận, xử lý góp ý" the same way); labels are NFC-normalised so
that every letter is one precomposed glyph. Colours: Okabe & Ito (2008), "Color
Universal Design", distinguishable with the common colour-vision deficiencies; status
is also told by marker shape. Percentages: Vietnamese uses the decimal comma, so the
``vi`` locale writes "92,5%" and ``en`` writes "92.5%" (one decimal, no space before
%); CSV outputs keep machine-readable proportions with a decimal point.
"""

from __future__ import annotations

import textwrap
import unicodedata
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import matplotlib
from matplotlib import font_manager, rc_context
from matplotlib.figure import Figure
from matplotlib.ticker import FuncFormatter, MaxNLocator

from analysis.formatting import percent
from analysis.status import BELOW, INCONCLUSIVE, MET, NO_TARGET

__all__ = ["FONT_PATH", "OKABE_ITO", "STATUS_COLOURS", "STATUS_MARKERS", "LOCALES", "text",
           "percent", "percent_axis", "percent_formatter", "wrap", "style", "new_figure", "save_figure"]

FONT_PATH = Path(matplotlib.get_data_path()) / "fonts" / "ttf" / "DejaVuSans.ttf"
FONT_NAME = "DejaVu Sans"
OKABE_ITO = {"black": "#000000", "orange": "#E69F00", "sky": "#56B4E9", "green": "#009E73",
             "yellow": "#F0E442", "blue": "#0072B2", "vermillion": "#D55E00",
             "purple": "#CC79A7", "grey": "#8C8C8C"}
# One entry per code of analysis.status; the words are analysis.status.STATUS_LABELS.
STATUS_COLOURS = {MET: OKABE_ITO["green"], BELOW: OKABE_ITO["vermillion"],
                  INCONCLUSIVE: OKABE_ITO["grey"], NO_TARGET: OKABE_ITO["blue"]}
STATUS_MARKERS = {MET: "o", BELOW: "s", INCONCLUSIVE: "D", NO_TARGET: "o"}
#: Answer categories 1–5 then "not applicable": diverging, colour-blind safe.
ANSWER_COLOURS = ["#D55E00", "#E69F00", "#C8C8C8", "#56B4E9", "#0072B2", "#F2F2F2"]

LOCALES: dict[str, dict[str, str]] = {
    "vi": {
        "forest_title": "Chỉ số hài lòng theo đơn vị",
        "index_axis": "Tỷ lệ hài lòng (khoảng tin cậy {level})",
        "target": "Chỉ tiêu {value}", "unit": "Đơn vị",
        "heat_title": "Chỉ số hài lòng theo đơn vị và yếu tố", "element": "Yếu tố",
        "few": "ít hơn {n} người trả lời", "trend_title": "Xu hướng chỉ số hài lòng",
        "period": "Kỳ báo cáo", "index": "Tỷ lệ hài lòng",
        "dist_title": "Phân bố câu trả lời theo tiêu chí", "share": "Tỷ lệ câu trả lời",
        "a1": "Rất không hài lòng", "a2": "Không hài lòng", "a3": "Bình thường",
        "a4": "Hài lòng", "a5": "Rất hài lòng", "na": "Không áp dụng",
        "prio_title": "Ma trận ưu tiên cải thiện",
        "importance": "Mức độ ảnh hưởng đến hài lòng chung (trọng số)",
        "dissatisfaction": "Tỷ lệ chưa hài lòng",
        "fix first": "Ưu tiên cải thiện", "keep up": "Duy trì",
        "secondary": "Cải thiện sau", "low priority": "Theo dõi",
        "importance unknown": "Chưa xác định",
        "prio_caption": "Số trên mỗi điểm là thứ hạng ưu tiên (tỷ lệ chưa hài lòng × mức độ "
                        "ảnh hưởng); màu là nhóm ưu tiên, xếp theo thứ hạng chứ không theo vị "
                        "trí trên biểu đồ, nên biểu đồ không chia góc phần tư.",
        "band": "Khoảng tin cậy {level}", "n": "n",
        "funnel_title": "Biểu đồ phễu: chỉ số so với chỉ tiêu",
        "funnel_x": "Số người trả lời hiệu dụng (đã tính hiệu ứng thiết kế)",
        "funnel_limit": "Giới hạn kiểm soát {level}%",
        "funnel_none": "Giới hạn chỉ tính sai số chọn mẫu (không hiệu chỉnh phân tán quá mức).",
        "funnel_mult": "Phân tán quá mức, nhân: φ = {phi} (z² rút gọn 10%); phương sai "
                       "nhân với {scale}.",
        "funnel_add": "Phân tán quá mức, cộng: độ lệch giữa các đơn vị τ = {tau} "
                      "(DerSimonian–Laird).",
    },
    "en": {
        "forest_title": "Satisfaction index by unit",
        "index_axis": "Share satisfied ({level} confidence interval)",
        "target": "Target {value}", "unit": "Unit",
        "heat_title": "Satisfaction index by unit and element", "element": "Element",
        "few": "fewer than {n} respondents", "trend_title": "Satisfaction index over time",
        "period": "Reporting period", "index": "Share satisfied",
        "dist_title": "Answers by item", "share": "Share of answers",
        "a1": "Very dissatisfied", "a2": "Dissatisfied", "a3": "Neutral",
        "a4": "Satisfied", "a5": "Very satisfied", "na": "Not applicable",
        "prio_title": "Improvement priority matrix",
        "importance": "Influence on overall satisfaction (weight)",
        "dissatisfaction": "Share not satisfied",
        "fix first": "Fix first", "keep up": "Keep up",
        "secondary": "Improve later", "low priority": "Monitor",
        "importance unknown": "Importance unknown",
        "prio_caption": "The number on each point is its priority rank (share not satisfied "
                        "× influence); the colour is its priority group, set by the rank and "
                        "not by its place on the chart, so the chart has no quadrants.",
        "band": "{level} confidence interval", "n": "n",
        "funnel_title": "Funnel plot: index against the target",
        "funnel_x": "Effective respondents (design effect taken into account)",
        "funnel_limit": "{level}% control limits",
        "funnel_none": "Limits reflect sampling error only (no overdispersion adjustment).",
        "funnel_mult": "Overdispersion, multiplicative: φ = {phi} (10% winsorised z²); "
                       "variance multiplied by {scale}.",
        "funnel_add": "Overdispersion, additive: between-unit sd τ = {tau} "
                      "(DerSimonian–Laird).",
    },
}


def text(key: str, locale: str = "vi", **fmt: object) -> str:
    """Label ``key`` in ``locale`` (vi or en), NFC-normalised, formatted with ``fmt``."""
    if locale not in LOCALES:
        raise ValueError(f"locale must be one of {tuple(LOCALES)}, got {locale!r}")
    return unicodedata.normalize("NFC", LOCALES[locale][key].format(**fmt))


def percent_formatter(locale: str = "vi", decimals: int = 0) -> FuncFormatter:
    return FuncFormatter(lambda x, _pos: percent(x, locale, decimals))


def percent_axis(axis, locale: str = "vi") -> None:
    """Whole-percent ticks labelled as percentages. Matplotlib's default steps include
    2.5, which on a 0-1 scale gives ticks at 97.5 % that read as "98 %" once rounded."""
    axis.set_major_locator(MaxNLocator(steps=[1, 2, 5, 10]))
    axis.set_major_formatter(percent_formatter(locale))


def wrap(label: object, width: int = 30) -> str:
    """NFC-normalise and wrap a long name (unit, element) over lines of ≤ width."""
    s = unicodedata.normalize("NFC", str(label))
    return "\n".join(textwrap.wrap(s, width)) or s


RC = {
    "font.family": [FONT_NAME], "font.size": 10, "axes.titlesize": 12,
    "axes.titleweight": "bold", "axes.labelsize": 10, "xtick.labelsize": 9,
    "ytick.labelsize": 9, "legend.fontsize": 9, "axes.spines.top": False,
    "axes.spines.right": False, "svg.fonttype": "path", "figure.dpi": 100,
    # Labels are data (unit and element names from an import file): "$…$" in a name must
    # stay text, not be parsed as mathtext, which raised ValueError on unbalanced input.
    "text.parse_math": False,
}


@contextmanager
def style() -> Iterator[None]:
    """rc settings of every figure, with the bundled DejaVu Sans registered."""
    if FONT_NAME not in {f.name for f in font_manager.fontManager.ttflist
                         if Path(f.fname) == FONT_PATH}:
        font_manager.fontManager.addfont(str(FONT_PATH))
    with rc_context(RC):
        yield


def new_figure(width: float = 7.2, height: float = 4.5) -> Figure:
    """A Figure (no pyplot, no global state) sized for A4 portrait (7.2 in ≈ 18 cm text
    width); at 200 dpi it is 1440 px wide, readable zoomed on a phone."""
    return Figure(figsize=(width, height), layout="constrained")


def save_figure(fig: Figure, path_without_ext: str | Path, dpi: int = 200,
                formats: tuple[str, ...] = ("png", "svg")) -> list[Path]:
    """Write ``fig`` as PNG (``dpi``) and SVG next to each other; return the paths."""
    base = Path(path_without_ext)
    base.parent.mkdir(parents=True, exist_ok=True)
    paths = []
    with style():
        for ext in formats:
            path = base.with_name(base.name + "." + ext)
            fig.savefig(path, dpi=dpi, metadata={"Software": None} if ext == "png" else None)
            paths.append(path)
    return paths
