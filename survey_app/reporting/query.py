"""A staff query: the query string of the dashboard, its exports and the PDF report
(`ky`, `don_vi`, `linh_vuc`, `pp`, `vai`, `ngay`) parsed into a DashboardQuery the user may
ask for.

`vai` is the attribution role (survey_app.reporting.attribution): `tiep-nhan` counts each
response for the unit that received the dossier (the default), `giai-quyet` for the
agency that decides it.

`ngay` (YYYY-MM-DD, default today in Viet Nam) is the date whose structure the results
are shown on (survey_app.reporting.rebase).

Bad values give a 400 with a message in the user's language; a unit the user may not see
gives a 404, exactly like a unit that does not exist (no leak of other units' existence).
`report_scope()` (survey_app.reporting.dashboard) then turns the query into the rows it
covers for that user.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date

from flask import abort, request
from flask_babel import gettext as _
from werkzeug.exceptions import BadRequest

from analysis.methods import METHODS
from analysis.periods import MAX_RANGE_DAYS, checked_period, default_period, range_label
from analysis.periods import today as current_day
from survey_app.extensions import db
from survey_app.models import Field, Unit
from survey_app.reporting.attribution import ATTRIBUTION_ROLES, DEFAULT_ROLE
from survey_app.services.scoping import can_see_unit, visible_unit_ids
from survey_app.web.inputs import whole_number


@dataclass(frozen=True)
class DashboardQuery:
    period: str  # reporting period label, e.g. 2026-Q3, 2026-H1, 2026-9M, 2026-Y
    unit_id: int | None = None  # a unit and the units below it; None = whole locality
    field_id: int | None = None
    method: str = "logit"
    role: str = DEFAULT_ROLE  # receiving unit or deciding agency (reporting.attribution)
    # The structure the results are shown on (survey_app.reporting.rebase); None: today
    # in Viet Nam. parse_query always sets it, so a cached dashboard is one date's.
    as_of: date | None = None


ISO_DATE = re.compile(r"\d{4}-\d{2}-\d{2}")
EARLIEST = date(1945, 9, 2)  # no administrative structure to show before the state's


def checked_day(raw: str) -> date:
    """A YYYY-MM-DD date between 1945-09-02 and 9999-12-31, or ValueError."""
    if not ISO_DATE.fullmatch(raw):
        raise ValueError(raw)
    day = date.fromisoformat(raw)
    if day < EARLIEST:
        raise ValueError(raw)
    return day


# The `vai` slug of each attribution role; the English names are accepted too.
ROLE_SLUGS = {"receiving": "tiep-nhan", "deciding": "giai-quyet"}
ROLE_BY_SLUG = {**{slug: role for role, slug in ROLE_SLUGS.items()},
                **{role: role for role in ATTRIBUTION_ROLES}}


class QueryError(BadRequest):
    show_detail = True


def _int_arg(name: str) -> int | None:
    raw = request.args.get(name, "").strip()
    if not raw:
        return None
    value = whole_number(raw)
    if value is None:
        raise QueryError(_("Giá trị %(name)s không hợp lệ.", name=name))
    return value


def parse_query(user) -> DashboardQuery:
    period = request.args.get("ky", "").strip()
    period = date_range_period(period) or period or default_period(current_day())
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
    raw = request.args.get("ngay", "").strip()
    try:
        as_of = checked_day(raw) if raw else current_day()
    except ValueError:
        raise QueryError(_("Ngày không hợp lệ: %(d)s (dạng năm-tháng-ngày, ví dụ 2026-12-01).",
                           d=raw[:20])) from None
    role = parse_role(request.args.get("vai", ""))
    return DashboardQuery(period, unit_id, field_id, method, role, as_of)


def parse_role(raw: str) -> str:
    """The attribution role named by a `vai` value (empty: receiving); 400 otherwise."""
    raw = raw.strip().lower()
    if not raw:
        return DEFAULT_ROLE
    if raw not in ROLE_BY_SLUG:
        raise QueryError(_("Giá trị vai không hợp lệ: %(v)s. Chọn tiep-nhan (theo đơn vị tiếp "
                           "nhận hồ sơ) hoặc giai-quyet (theo cơ quan giải quyết).", v=raw[:20]))
    return ROLE_BY_SLUG[raw]


def query_args(query: DashboardQuery) -> dict:
    args = {"ky": query.period}
    if query.unit_id:
        args["don_vi"] = query.unit_id
    if query.field_id:
        args["linh_vuc"] = query.field_id
    if query.method != "logit":
        args["pp"] = query.method
    if query.role != DEFAULT_ROLE:
        args["vai"] = ROLE_SLUGS[query.role]
    if query.as_of is not None and query.as_of != current_day():
        args["ngay"] = query.as_of.isoformat()
    return args



RANGE_CHOICE = "khoang"  # the period picker's "free range" entry: dates in `tu` and `den`


def date_range_period(period: str) -> str | None:
    """The label of the free range in `tu`/`den` (YYYY-MM-DD, as <input type=date> sends
    them) when the picker asks for one (no period, "khoang", or a range label); None when a
    named period is asked for or no dates are given. A 400 in the user's language for a
    bad, reversed or too long range."""
    if period and period != RANGE_CHOICE and not is_range_label(period):
        return None
    raw = {name: request.args.get(name, "").strip()[:20] for name in ("tu", "den")}
    if not any(raw.values()):
        if period == RANGE_CHOICE:
            raise QueryError(_("Hãy chọn ngày bắt đầu và ngày kết thúc của khoảng thời gian."))
        return None
    days = {}
    for name, label in (("tu", _("Từ ngày")), ("den", _("Đến ngày"))):
        try:
            days[name] = date.fromisoformat(raw[name])
        except ValueError:
            raise QueryError(_("%(field)s không hợp lệ: “%(value)s” (cần một ngày, dạng "
                               "năm-tháng-ngày).", field=label, value=raw[name])) from None
    start, end = days["tu"], days["den"]
    if end < start:
        raise QueryError(_("Ngày kết thúc (%(end)s) đứng trước ngày bắt đầu (%(start)s).",
                           end=end.strftime("%d/%m/%Y"), start=start.strftime("%d/%m/%Y")))
    if (end - start).days >= MAX_RANGE_DAYS:
        raise QueryError(_("Khoảng thời gian dài quá %(n)s ngày; hãy chọn năm dương lịch.",
                           n=MAX_RANGE_DAYS))
    return range_label(start, end)


def is_range_label(period: str) -> bool:
    return period[5:6] == "R"
