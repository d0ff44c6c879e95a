"""Export routes: the dashboard's query (ky, don_vi, linh_vuc, pp, vai) → a file, scoped and
audited. `vai` picks the unit each response counts for (receiving or deciding): the scope
and the index tables follow it; the row-level files carry both units.

    /xuat/chi-so.csv|.xlsx   index tables (headline, units, fields, elements, trend)
    /xuat/phieu.csv|.xlsx    anonymised responses, one row each, shuffled (admin and
                             analyst only: a unit reviewer could single out the citizens
                             who came to the counter; units get the index tables)
    /xuat/gop-y.csv          approved comments (admin and analyst only: free text may name
                             people, so it is not handed to every unit reviewer)
    /xuat/tra-loi.csv        answers in long format, the input of `python -m analysis`
                             (admin and analyst only: row-level data is not for units)
    /xuat/so-ma.csv          the codebook: question texts, answer labels, elements, which
                             answers count as satisfied (all staff: no response data)

CSV files keep the machine-readable codes and raw numbers; XLSX files get headers in the
reader's language, percent-formatted proportions, a frozen header row and a codebook
sheet (survey_app.exports.labels, survey_app.exports.codebook).

The query is parsed by the dashboard's own parser (same 400/404 rules), the scope by
`build_dashboard`/`restrict`, and the audit entry is committed BEFORE the first byte is
sent, so a download cut short is still on record.
"""

from __future__ import annotations

import sqlalchemy as sa
from flask import Response, abort, stream_with_context
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from werkzeug.exceptions import Forbidden

from survey_app.exports import answers as long_answers
from survey_app.exports import bp, codebook
from survey_app.exports import responses as resp
from survey_app.exports.index_rows import COLUMNS, PERCENT_COLUMNS, TABLES, all_rows, table_rows
from survey_app.exports.labels import header_labels, readable_rows, sheet_title
from survey_app.exports.writers import csv_stream, file_chunks, xlsx_file
from survey_app.extensions import db
from survey_app.models import Comment, Field, Unit
from survey_app.models import Response as SurveyResponse
from survey_app.reporting.attribution import DEFAULT_ROLE
from survey_app.reporting.dashboard import dashboard_for, report_scope
from survey_app.reporting.indices import VIETNAM, response_filters
from survey_app.reporting.query import ROLE_SLUGS, parse_query, query_args
from survey_app.services.audit import record
from survey_app.services.disclosure import may_see_rows
from survey_app.services.scoping import visible_responses_condition
from survey_app.web.locale import current_locale
from survey_app.web.roles import STAFF, role_required


class RowsRefused(Forbidden):
    show_detail = True
    description = _l("Phiếu từng người dân chỉ dành cho Sở Nội vụ: với ngày và lĩnh vực, "
                     "một phiếu có thể chỉ ra người đã trả lời. Đơn vị hãy tải bảng chỉ số "
                     "(Bảng chỉ số CSV/XLSX trên bảng điều khiển, /xuat/chi-so.csv), "
                     "gồm chỉ số chung, theo lĩnh vực và theo yếu tố.")


CSV_TYPE = "text/csv"  # Flask adds "; charset=utf-8"
XLSX_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def _filename(kind: str, query, ext: str) -> str:
    """ASCII file name that says what is inside: sipas_phieu_2026-Q3_don-vi-12.csv."""
    parts = ["sipas", kind, query.period]
    if query.unit_id:
        parts.append(f"don-vi-{query.unit_id}")
    if query.field_id:
        parts.append(f"linh-vuc-{query.field_id}")
    if query.role != DEFAULT_ROLE:
        parts.append(ROLE_SLUGS[query.role])
    return "_".join(parts) + "." + ext


def _download(body, mimetype: str, filename: str) -> Response:
    response = Response(body, mimetype=mimetype)
    response.headers["Content-Disposition"] = f'attachment; filename="{filename}"'
    response.headers["Cache-Control"] = "no-store"  # scoped data: never in a shared cache
    response.headers["X-Content-Type-Options"] = "nosniff"
    return response


def _audit(action: str, query, fmt: str, **extra) -> None:
    record(action, "export", None, format=fmt, **query_args(query), **extra)
    db.session.commit()


@bp.get("/chi-so.<ext>")
@role_required(*STAFF)
def indices(ext: str):
    if ext not in ("csv", "xlsx"):
        abort(404)
    query = parse_query(current_user)
    data = dashboard_for(current_user, query)
    _audit("export.indices", query, ext)
    name = _filename("chi-so", query, ext)
    if ext == "csv":
        return _download(stream_with_context(csv_stream(COLUMNS, all_rows(data))), CSV_TYPE, name)
    header = header_labels(COLUMNS)
    sheets = [(sheet_title(table), header,
               readable_rows(COLUMNS, table_rows(data, table), current_locale()))
              for table in TABLES]
    sheets.append(_codebook_sheet(codebook.versions_in(report_scope(query, current_user))))
    return _download(file_chunks(xlsx_file(sheets, header_labels(PERCENT_COLUMNS))),
                     XLSX_TYPE, name)


@bp.get("/phieu.<ext>")
@role_required(*STAFF)
def responses(ext: str):
    if ext not in ("csv", "xlsx"):
        abort(404)
    if not may_see_rows(current_user):
        raise RowsRefused()
    query = parse_query(current_user)
    scope = report_scope(query, current_user)
    lay = resp.layout(scope, sensitive=True)  # Nội vụ only, as checked above
    _audit("export.responses", query, ext)
    name = _filename("phieu", query, ext)
    visible = visible_responses_condition(current_user)
    if ext == "csv":
        body = stream_with_context(resp.csv_chunks(scope, lay, visible=visible))
        return _download(body, CSV_TYPE, name)
    spool = xlsx_file([(sheet_title("responses"), header_labels(resp.header(lay)),
                        resp.rows(scope, lay, visible=visible)),
                       _codebook_sheet(codebook.versions_in(scope))])
    return _download(file_chunks(spool), XLSX_TYPE, name)


@bp.get("/gop-y.csv")
@role_required("admin", "analyst")
def comments():
    query = parse_query(current_user)
    scope = report_scope(query, current_user)
    _audit("export.comments", query, "csv")

    def rows():
        units = dict(db.session.execute(sa.select(Unit.id, Unit.name_vi)).all())
        fields = dict(db.session.execute(sa.select(Field.id, Field.name_vi)).all())
        result = db.session.execute(
            sa.select(SurveyResponse.unit_id, SurveyResponse.field_id, Comment.created_at,
                      Comment.text, SurveyResponse.deciding_unit_id)
            .join(SurveyResponse, SurveyResponse.id == Comment.response_id)
            .where(Comment.status == "approved", *response_filters(scope),
                   visible_responses_condition(current_user))
            .order_by(Comment.created_at))
        for unit_id, field_id, at, text, deciding in result:
            yield [units[unit_id], fields[field_id],
                   at.astimezone(VIETNAM).date().isoformat(), text,
                   units[deciding] if deciding else None]

    header = ["unit_name", "field_name", "date", "comment", "deciding_unit_name"]
    return _download(stream_with_context(csv_stream(header, rows())), CSV_TYPE,
                     _filename("gop-y", query, "csv"))


@bp.get("/tra-loi.csv")
@role_required("admin", "analyst")
def answers():
    query = parse_query(current_user)
    scope = report_scope(query, current_user)
    _audit("export.answers", query, "csv")
    body = stream_with_context(csv_stream(
        long_answers.HEADER, long_answers.rows(scope, query.period,
                                               visible=visible_responses_condition(current_user))))
    return _download(body, CSV_TYPE, _filename("tra-loi", query, "csv"))


def _codebook_sheet(versions) -> tuple:
    return (sheet_title("codebook"), header_labels(codebook.COLUMNS),
            codebook.sheet_rows(versions, current_locale()))


@bp.get("/so-ma.csv")
@role_required(*STAFF)
def codebook_csv():
    """Every stored questionnaire version: no response data, so no scope and no audit."""
    rows = list(codebook.rows(codebook.all_versions(), current_locale()))
    return _download(csv_stream(codebook.COLUMNS, rows), CSV_TYPE, "sipas_so-ma.csv")
