"""Reporting periods as users read them: names in the user's language and the choices
offered in the dashboard's period picker. The dates themselves are analysis.periods'."""

from __future__ import annotations

from flask_babel import gettext as _
from flask_babel import pgettext

from analysis.periods import default_period, period_bounds, period_label, previous_period
from analysis.periods import today as current_day


def period_choices(today=None, count: int = 8) -> list[tuple[str, str]]:
    """Recent reporting periods with their names in the user's language, newest first:
    the quarter under way first (marked "đang diễn ra"), then the last complete ones."""
    today = today or current_day()
    quarter = default_period(today)
    labels, q = [period_label(today, "quarter")], quarter
    for _i in range(count):
        labels.append(q)
        q = previous_period(q)
    year = int(quarter[:4])
    for y in (year, year - 1):
        labels += [f"{y}-Y", f"{y}-9M", f"{y}-H1"]
    # Calendar periods too (ARCHITECTURE.md): the last 12 months, 4 quarters, 2 years.
    month = f"{today.year}-M{today.month:02d}"
    cq = f"{today.year}-CQ{(today.month - 1) // 3 + 1}"
    for _i in range(12):
        month = previous_period(month)
        labels.append(month)
    for _i in range(4):
        cq = previous_period(cq)
        labels.append(cq)
    labels += [f"{today.year - 1}-CY", f"{today.year}-CY"]
    return [(label, period_name(label, today)) for label in labels]


def period_name(label: str, today=None) -> str:
    """The name of a period in the user's language; with `today`, a period not yet over
    says so ("đang diễn ra": its figures will still change)."""
    name = _plain_name(label)
    start, end = period_bounds(label)
    if today is not None and start <= today <= end:
        name += " · " + pgettext("period", "đang diễn ra")
    return name


def _plain_name(label: str) -> str:
    year, code = label.split("-", 1)
    start, end = period_bounds(label)
    span = f"{start:%d/%m/%Y}–{end:%d/%m/%Y}"
    if code.startswith("R"):
        return _("Từ %(start)s đến %(end)s", start=start.strftime("%d/%m/%Y"),
                 end=end.strftime("%d/%m/%Y"))
    names = {"Q1": _("Quý I"), "Q2": _("Quý II"), "Q3": _("Quý III"), "Q4": _("Quý IV"),
             "H1": _("6 tháng đầu năm"), "H2": _("6 tháng cuối năm"), "9M": _("9 tháng"),
             "Y": _("Cả năm"), "CY": _("Năm dương lịch"),
             "CQ1": _("Quý dương lịch I"), "CQ2": _("Quý dương lịch II"),
             "CQ3": _("Quý dương lịch III"), "CQ4": _("Quý dương lịch IV")}
    if code.startswith("M"):
        return _("Tháng %(m)s/%(y)s", m=code[1:], y=year)
    return f"{names.get(code, code)} {year} ({span})"
