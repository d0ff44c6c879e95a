"""Parse the dashboard's query string into a DashboardQuery the user may ask for.

Bad values give a 400 with a Vietnamese message; a unit the user may not see gives a
404, exactly like a unit that does not exist (no leak of other units' existence).
"""

from __future__ import annotations

from datetime import UTC, datetime

from flask import abort, request
from flask_babel import gettext as _
from werkzeug.exceptions import BadRequest

from analysis.methods import METHODS
from analysis.periods import period_bounds
from survey_app.extensions import db
from survey_app.models import Field, Unit
from survey_app.reporting.dashboard import (
    DashboardQuery,
    checked_period,
    default_period,
    previous_period,
)
from survey_app.services.scoping import can_see_unit, visible_unit_ids
from survey_app.web.inputs import whole_number


class QueryError(BadRequest):
    show_detail = True


def period_choices(today=None, count: int = 8) -> list[tuple[str, str]]:
    """Recent reporting periods with their Vietnamese names, newest first."""
    today = today or datetime.now(UTC).date()
    quarter = default_period(today)
    labels, q = [], quarter
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
    return [(label, period_name(label)) for label in labels]


def period_name(label: str) -> str:
    year, code = label.split("-", 1)
    start, end = period_bounds(label)
    span = f"{start:%d/%m/%Y}–{end:%d/%m/%Y}"
    names = {"Q1": _("Quý I"), "Q2": _("Quý II"), "Q3": _("Quý III"), "Q4": _("Quý IV"),
             "H1": _("6 tháng đầu năm"), "H2": _("6 tháng cuối năm"), "9M": _("9 tháng"),
             "Y": _("Cả năm"), "CY": _("Năm dương lịch"),
             "CQ1": _("Quý dương lịch I"), "CQ2": _("Quý dương lịch II"),
             "CQ3": _("Quý dương lịch III"), "CQ4": _("Quý dương lịch IV")}
    if code.startswith("M"):
        return _("Tháng %(m)s/%(y)s", m=code[1:], y=year)
    return f"{names.get(code, code)} {year} ({span})"


def _int_arg(name: str) -> int | None:
    raw = request.args.get(name, "").strip()
    if not raw:
        return None
    value = whole_number(raw)
    if value is None:
        raise QueryError(_("Giá trị %(name)s không hợp lệ.", name=name))
    return value


def parse_query(user) -> DashboardQuery:
    period = request.args.get("ky", "").strip() or default_period(datetime.now(UTC).date())
    try:
        checked_period(period)
    except ValueError:
        raise QueryError(_("Kỳ báo cáo không hợp lệ: %(p)s", p=period[:20])) from None
    unit_id = _int_arg("don_vi")
    if unit_id is not None and (db.session.get(Unit, unit_id) is None
                                or not can_see_unit(user, unit_id)):
        abort(404)
    if unit_id is None and visible_unit_ids(user) is not None:
        unit_id = user.unit_id  # a unit user's default scope is its own subtree
    field_id = _int_arg("linh_vuc")
    if field_id is not None and db.session.get(Field, field_id) is None:
        raise QueryError(_("Lĩnh vực không tồn tại."))
    method = request.args.get("pp", "logit")
    if method not in METHODS:
        raise QueryError(_("Phương pháp tính khoảng tin cậy không hợp lệ."))
    return DashboardQuery(period, unit_id, field_id, method)


def query_args(query: DashboardQuery) -> dict:
    args = {"ky": query.period}
    if query.unit_id:
        args["don_vi"] = query.unit_id
    if query.field_id:
        args["linh_vuc"] = query.field_id
    if query.method != "logit":
        args["pp"] = query.method
    return args

