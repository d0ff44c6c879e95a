"""The dashboard (analyst; the unit view is the same page, scoped) and its figures."""

from __future__ import annotations

import io

import sqlalchemy as sa
from flask import abort, render_template, request, send_file
from flask_babel import gettext as _
from flask_login import current_user

from analysis.periods import period_bounds
from analysis.periods import today as current_day
from analysis.status import status_labels
from survey_app.extensions import db
from survey_app.models import Field
from survey_app.reporting.dashboard import dashboard_for
from survey_app.reporting.names import in_language
from survey_app.reporting.periods import period_choices, period_name
from survey_app.reporting.query import is_range_label, parse_query, query_args
from survey_app.reporting.rebase import lineage_note_words, valid_on
from survey_app.services.scoping import visible_units_query
from survey_app.services.unit_tree import indented, unit_tree
from survey_app.staff import bp
from survey_app.web.locale import current_locale
from survey_app.web.roles import STAFF, role_required


@bp.get("")
@role_required(*STAFF)
def dashboard():
    query = parse_query(current_user)
    locale = current_locale()
    data = in_language(dashboard_for(current_user, query), locale)
    sort = request.args.get("sap_xep", "estimate")
    units = data.units
    if sort in {"estimate", "n_respondents", "shrunken", "change", "unit"} and not units.empty:
        units = units.sort_values(sort, ascending=(sort == "unit"), na_position="last")
    start, end = period_bounds(query.period)
    return render_template(
        "staff/dashboard.html", d=data, units=units, args=query_args(query), sort=sort,
        periods=period_choices(), period_name=period_name(query.period, current_day()),
        date_range=(start, end) if is_range_label(query.period) else None,
        unit_choices=[(u.id, indented(u.name(locale), depth)) for u, depth in
                      unit_tree(list(db.session.scalars(
                          visible_units_query(current_user).where(valid_on(query.as_of)))))],
        lineage_notes=lineage_note_words(),
        field_choices=[(f.id, f.name(locale)) for f in db.session.scalars(
            sa.select(Field).where(Field.active.is_(True)).order_by(Field.sort_order))],
    )


@bp.get("/hinh/<kind>.png")
@role_required(*STAFF)
def figure(kind: str):
    fig = dashboard_figure(kind)
    if fig is None:
        abort(404)
    buf = io.BytesIO()
    fig.savefig(buf, format="png", dpi=110)
    buf.seek(0)
    response = send_file(buf, mimetype="image/png", max_age=60)
    response.vary.add("Cookie")  # the language (in the session) changes the figure's words
    return response


FIGURE_KINDS = ("don-vi", "yeu-to", "uu-tien", "xu-huong")


def dashboard_figure(kind: str):
    """The dashboard's figure `kind` for this request's query, user and language (titles,
    legends, numbers, unit and element names); None when there is nothing to draw."""
    # matplotlib only when a figure is drawn: a worker boots without it.
    from analysis.figures import forest_plot, heatmap, priority_matrix, trend_plot

    query = parse_query(current_user)
    locale = current_locale()  # legends and numbers in the words of the page around them
    data = in_language(dashboard_for(current_user, query), locale)
    target = data.headline["target"] if data.headline else None
    if kind == "don-vi" and not data.units.empty:
        return forest_plot(data.units, label="unit", target=target, locale=locale,
                           labels=status_labels(locale), title=_("Chỉ số hài lòng theo đơn vị"))
    if kind == "yeu-to" and not data.heatmap.empty:
        return heatmap(data.heatmap, row="unit", names=data.element_names, locale=locale,
                       min_respondents=data.thresholds.ranked,
                       title=_("Chỉ số theo đơn vị và yếu tố"))
    if kind == "uu-tien" and data.priority is not None and not data.priority.empty:
        return priority_matrix(data.priority, names=data.element_names, locale=locale,
                               title=_("Yếu tố cần ưu tiên cải thiện"))
    if kind == "xu-huong" and not data.trend.empty:
        return trend_plot(data.trend, group=None, target=target, locale=locale,
                          title=_("Chỉ số hài lòng chung qua các kỳ"))
    return None
