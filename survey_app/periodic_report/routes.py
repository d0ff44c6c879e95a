"""GET /bao-cao: the periodic report for the dashboard's query (same scope rules, audited).

A built report is kept as a file keyed by the scope, the query and the version of the data
(survey_app.periodic_report.jobs): asking again serves the file without rebuilding until a
response, a target or a unit changes. Building is what costs (seconds of CPU), so each
user may start only REPORT_BUILD_LIMIT builds (a cached report is free); beyond, a 429
page in the user's language. Small scopes are built in the request; large ones (more than
REPORT_SYNC_MAX_RESPONSES valid responses) in the background: the page refreshes itself
every few seconds (a small static script; without it, a "Kiểm tra lại" link) until the
file is ready, then redirects to it. The report is in the user's language (a Vietnamese
and an English report of the same data are two files).
A failed build is shown as such, with a "Thử lại" button; it is built again only when the
user presses it (POST /bao-cao/thu-lai), never by the refreshing page.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import TYPE_CHECKING

import sqlalchemy as sa
from flask import Response, current_app, redirect, render_template, send_file, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from werkzeug.exceptions import TooManyRequests

from survey_app.extensions import db
from survey_app.models import Field, Unit, User
from survey_app.models import Response as SurveyResponse
from survey_app.periodic_report import bp, jobs
from survey_app.reporting.dashboard import build_dashboard, report_scope
from survey_app.reporting.indices import VIETNAM, response_filters
from survey_app.reporting.names import in_language
from survey_app.reporting.periods import period_name
from survey_app.reporting.query import parse_query, query_args
from survey_app.services.audit import record
from survey_app.web.locale import current_locale
from survey_app.web.roles import STAFF, role_required

if TYPE_CHECKING:  # the builder draws with matplotlib: imported when a report is made
    from survey_app.periodic_report.builder import ReportMeta
from survey_app.services.quotas import spend


class TooManyBuilds(TooManyRequests):
    show_detail = True
    description = _l("Bạn đã yêu cầu lập quá nhiều báo cáo mới trong thời gian ngắn. Các báo "
                     "cáo đã lập vẫn tải được ngay; vui lòng đợi vài phút rồi lập báo cáo khác.")


def _spend_build() -> None:
    """Count one build against the user's budget (Flask-Limiter's store), or a 429."""
    limit = current_app.config["REPORT_BUILD_LIMIT"]
    if not spend(limit, "report-build", str(current_user.id)):
        raise TooManyBuilds()


def _meta(query) -> ReportMeta:
    from survey_app.periodic_report.builder import ReportMeta

    root = db.session.scalar(sa.select(Unit).where(Unit.parent_id.is_(None)).order_by(Unit.id))
    unit = db.session.get(Unit, query.unit_id) if query.unit_id else None
    field = db.session.get(Field, query.field_id) if query.field_id else None
    locale = current_locale()
    return ReportMeta(
        authority=root.name(locale) if root else _("Ủy ban nhân dân"),
        scope_name=(_("%(unit)s (và các đơn vị trực thuộc)", unit=unit.name(locale)) if unit
                    else _("Toàn địa phương")),
        field_name=field.name(locale) if field else None, period_name=period_name(query.period),
        generated=datetime.now(UTC).astimezone(VIETNAM).strftime("%d/%m/%Y %H:%M"),
        method_name=query.method, locale=locale)


def _builder(user, query):
    """A closure that builds the PDF later, in any thread with an app context (the title
    block's texts are made now: they are translated, which needs the request)."""
    user_id, meta = user.id, _meta(query)

    def build() -> bytes:
        from survey_app.periodic_report.builder import build_pdf

        return build_pdf(in_language(build_dashboard(db.session.get(User, user_id), query),
                                     meta.locale), meta)
    return build


def _filename(query) -> str:
    return f"bao-cao-sipas_{query.period}.pdf"


def _key(query) -> str:
    scope = report_scope(query, current_user)
    return jobs.report_key(current_user, query, locale=current_locale(),
                           version=jobs.data_version(scope, query.period))


def _wait_page(state: str, query):
    return render_template("periodic_report/wait.html", state=state, args=query_args(query),
                           period_name=period_name(query.period),
                           responses=_responses_in_scope(query))


@bp.get("")
@role_required(*STAFF)
def report():
    query = parse_query(current_user)
    key = _key(query)
    state = jobs.state(key)
    if state == "ready":  # built before from the same data: no rebuild
        return redirect(url_for("periodic_report.download", **query_args(query)))
    if state != "missing":  # running, or failed: the user decides when to retry
        return _wait_page(state, query)
    _spend_build()
    scope_responses = _responses_in_scope(query)
    if scope_responses <= current_app.config["REPORT_SYNC_MAX_RESPONSES"]:
        if not jobs.build_now(key, _builder(current_user, query)):
            if jobs.state(key) == "missing":  # every build slot was taken: queue it
                jobs.start(current_app._get_current_object(), key,
                           _builder(current_user, query))
            return _wait_page(jobs.state(key), query)  # failed, queued or being built
        record("export.report", "export", None, format="pdf", mode="sync", **query_args(query))
        db.session.commit()
        response = Response(jobs.pdf_path(key).read_bytes(), mimetype="application/pdf")
        response.headers["Content-Disposition"] = f'attachment; filename="{_filename(query)}"'
        response.headers["Cache-Control"] = "no-store"
        return response
    jobs.start(current_app._get_current_object(), key, _builder(current_user, query))
    return _wait_page(jobs.state(key), query)


@bp.post("/thu-lai")
@role_required(*STAFF)
def retry():
    """Build a failed report again, because the user pressed "Thử lại" (CSRF-checked by
    CSRFProtect like every POST)."""
    query = parse_query(current_user)
    key = _key(query)
    if jobs.state(key) == "failed":
        _spend_build()
        jobs.clear_failure(key)
    return redirect(url_for("periodic_report.report", **query_args(query)), code=303)


def _responses_in_scope(query) -> int:
    return int(db.session.scalar(sa.select(sa.func.count(SurveyResponse.id))
                                 .where(*response_filters(report_scope(query, current_user)))) or 0)


@bp.get("/tai")
@role_required(*STAFF)
def download():
    query = parse_query(current_user)
    key = _key(query)  # from the session's scope, never from the URL
    if jobs.state(key) != "ready":
        return redirect(url_for("periodic_report.report", **query_args(query)))
    record("export.report", "export", None, format="pdf", mode="file", **query_args(query))
    db.session.commit()
    response = send_file(jobs.pdf_path(key), mimetype="application/pdf", as_attachment=True,
                         download_name=_filename(query), max_age=0)
    response.headers["Cache-Control"] = "no-store"
    return response
