"""Exported numbers equal the engine's for the same scope; files are streamed and audited."""

from __future__ import annotations

import csv
import io
import tracemalloc
import types

import openpyxl
import pandas as pd
import pytest
import sqlalchemy as sa

from analysis.indices import compute_indices
from survey_app.exports.index_rows import COLUMNS
from survey_app.exports.labels import header_labels
from survey_app.extensions import db
from survey_app.models import Answer, AuditLog, Comment, Response, Unit
from survey_app.reporting import ReportScope, compute_indices_sql
from survey_app.reporting.indices import response_filters
from survey_app.seed import demo
from survey_app.services.scoping import subtree_ids

PERIOD = "2026-Q2"


def _csv(response) -> list[dict]:
    text = response.get_data(as_text=True)
    assert text.startswith("\ufeff")
    return list(csv.DictReader(io.StringIO(text[1:])))


def _unit_id(app, code):
    with app.app_context():
        return db.session.scalar(sa.select(Unit.id).filter_by(code=code))


def test_index_csv_equals_the_engine(demo_app, login):
    rows = _csv(login("phantich").get(f"/xuat/chi-so.csv?ky={PERIOD}"))
    with demo_app.app_context():
        scope = ReportScope.for_period(PERIOD)
        whole = compute_indices_sql(scope)
        by_unit = compute_indices_sql(scope, by=("unit",))
        by_field = compute_indices_sql(scope, by=("field",))
        codes = dict(db.session.execute(sa.select(Unit.id, Unit.code)).all())
    overall = whole[whole["level"] == "overall"].iloc[0]
    headline = next(r for r in rows if r["table"] == "headline")
    for col in ("estimate", "ci_low", "ci_high", "se"):
        assert float(headline[col]) == overall[col]
    assert int(headline["n_respondents"]) == overall["n_respondents"]
    assert headline["status"] == "below" and float(headline["target"]) == 0.94
    units = {r["unit_code"]: r for r in rows if r["table"] == "units"}
    engine_units = by_unit[by_unit["level"] == "overall"]
    assert len(units) == len(engine_units)
    for r in engine_units.itertuples():
        exported = units[codes[r.unit_id]]
        assert float(exported["estimate"]) == r.estimate
        assert (float(exported["ci_low"]), float(exported["ci_high"])) == (r.ci_low, r.ci_high)
        assert int(exported["n_respondents"]) == r.n_respondents
        assert exported["method"] == r.method
    fields = [r for r in rows if r["table"] == "fields"]
    assert sorted(float(r["estimate"]) for r in fields) == sorted(
        by_field[by_field["level"] == "overall"]["estimate"])
    elements = {r["element_code"]: r for r in rows if r["table"] == "elements"}
    for r in whole[whole["level"] == "element"].itertuples():
        assert float(elements[r.index]["estimate"]) == r.estimate
    assert [r["period"] for r in rows if r["table"] == "trend"][-1] == PERIOD


def test_index_xlsx_equals_the_engine_with_percent_formats(demo_app, login):
    response = login("phantich").get(f"/xuat/chi-so.xlsx?ky={PERIOD}")
    assert response.status_code == 200
    book = openpyxl.load_workbook(io.BytesIO(response.data))
    assert book.sheetnames == ["Chung", "Đơn vị", "Lĩnh vực", "Yếu tố", "Xu hướng", "Sổ mã"]
    sheet = book["Đơn vị"]
    with demo_app.test_request_context():  # Vietnamese headers (tests/.../test_codebook.py)
        labels = dict(zip(header_labels(COLUMNS), COLUMNS, strict=True))
    header = [labels[c.value] for c in sheet[1]]
    assert header == COLUMNS
    with demo_app.app_context():
        by_unit = compute_indices_sql(ReportScope.for_period(PERIOD), by=("unit",))
        codes = dict(db.session.execute(sa.select(Unit.code, Unit.id)).all())
    engine = by_unit[by_unit["level"] == "overall"].set_index("unit_id")
    est = header.index("estimate")
    for row in sheet.iter_rows(min_row=2):
        unit_id = codes[row[header.index("unit_code")].value]
        assert row[est].value == engine.loc[unit_id, "estimate"]
        assert row[est].number_format == "0.0%"
        assert row[header.index("n_respondents")].value == engine.loc[unit_id, "n_respondents"]


def _valid_responses(app, scope: ReportScope) -> int:
    with app.app_context():
        return db.session.scalar(sa.select(sa.func.count(Response.id))
                                 .where(*response_filters(scope)))


def test_responses_csv_rebuilds_the_engines_index(demo_app, login):
    """The anonymised rows carry everything the index needs: the engine run on them
    (analysis.indices, the CSV path) gives the SQL path's overall index."""
    rows = _csv(login("phantich").get(f"/xuat/phieu.csv?ky={PERIOD}"))
    scope = ReportScope.for_period(PERIOD)
    assert len(rows) == _valid_responses(demo_app, scope)
    assert not {"dossier_hash", "client_hash", "submission_key", "id", "comment",
                "GENDER", "AGE"} & set(rows[0])
    with demo_app.app_context():
        from instruments import shipped_instruments
        item_element = {(i.code, q.code): q.element for i in shipped_instruments()
                        for q in i.items}
        expected = compute_indices_sql(scope)
    long = []
    for row in rows:
        instrument = row["instrument"].split("@")[0]
        for column, value in row.items():
            item = column.split(":")[-1]
            element = item_element.get((instrument, item))
            if element and value != "":
                long.append({"response_id": int(row["row"]), "element": element,
                             "item": f"{instrument}:{item}",
                             "value": None if value == "na" else int(value)})
    rebuilt = compute_indices(pd.DataFrame(long))
    got = rebuilt[rebuilt["level"] == "overall"].iloc[0]
    want = expected[expected["level"] == "overall"].iloc[0]
    assert got["estimate"] == pytest.approx(want["estimate"], abs=1e-12)
    assert got["n_respondents"] == want["n_respondents"]


def test_responses_xlsx_has_one_row_per_response(demo_app, login):
    response = login("phantich").get(f"/xuat/phieu.xlsx?ky={PERIOD}")
    sheet = openpyxl.load_workbook(io.BytesIO(response.data))["Phiếu trả lời"]
    assert sheet.max_row - 1 == _valid_responses(demo_app, ReportScope.for_period(PERIOD))


def test_unit_user_exports_only_its_subtree(demo_app, login):
    with demo_app.app_context():
        inside = subtree_ids([db.session.scalar(sa.select(Unit.id).filter_by(
            code=demo.UNIT_USER_UNIT))])
        scope = ReportScope.for_period(PERIOD, unit_ids=tuple(inside))
        by_unit = compute_indices_sql(scope)
        codes = set(db.session.scalars(sa.select(Unit.code).where(Unit.id.in_(inside))))
    index_rows = _csv(login("xuanan").get(f"/xuat/chi-so.csv?ky={PERIOD}"))
    headline = next(r for r in index_rows if r["table"] == "headline")
    assert float(headline["estimate"]) == by_unit[by_unit["level"] == "overall"].iloc[0]["estimate"]
    shown = {r["unit_code"] for r in index_rows if r["table"] == "units"}
    assert demo.UNIT_USER_CENTRE in shown and shown <= codes  # the centre and its points


def test_formula_in_a_comment_is_neutralised(demo_app, login):
    with demo_app.app_context():
        comment = db.session.scalar(sa.select(Comment).join(Response)
                                    .where(Comment.status == "approved",
                                           *response_filters(ReportScope.for_period(PERIOD)))
                                    .limit(1))
        comment.text = '=HYPERLINK("http://evil.example","bấm vào")'
        db.session.commit()
    text = login("phantich").get(f"/xuat/gop-y.csv?ky={PERIOD}").get_data(as_text=True)
    assert "'=HYPERLINK(" in text
    assert "\n=HYPERLINK" not in text and ",=HYPERLINK" not in text


def test_exports_are_audited(demo_app, login):
    unit, analyst = login("xuanan"), login("phantich")
    for client, url in ((unit, "/xuat/chi-so.csv"), (unit, "/xuat/chi-so.xlsx"),
                        (analyst, "/xuat/phieu.csv"), (analyst, "/xuat/phieu.xlsx")):
        assert client.get(f"{url}?ky={PERIOD}").status_code == 200
    with demo_app.app_context():
        entries = db.session.scalars(sa.select(AuditLog).where(AuditLog.action.like("export.%"))
                                     .order_by(AuditLog.id)).all()
    assert [(e.action, e.detail["format"]) for e in entries] == [
        ("export.indices", "csv"), ("export.indices", "xlsx"),
        ("export.responses", "csv"), ("export.responses", "xlsx")]
    assert [(e.username, e.role) for e in entries] == [("xuanan", "unit")] * 2 + [
        ("phantich", "analyst")] * 2
    assert entries[0].detail["ky"] == PERIOD


def test_responses_export_is_streamed(login):
    response = login("phantich").get(f"/xuat/phieu.csv?ky={PERIOD}", buffered=False)
    assert response.is_streamed
    assert isinstance(response.response, types.GeneratorType) or not isinstance(
        response.response, (str, bytes, list))
    first = next(iter(response.response))
    assert first.startswith(b"\xef\xbb\xbf") or first.startswith("\ufeff".encode())
    response.close()


def _add_copies(app, copies: int) -> None:
    """Duplicate the period's valid responses (with their answers) `copies` times, in bulk."""
    with app.app_context():
        scope = ReportScope.for_period(PERIOD)
        originals = db.session.execute(
            sa.select(Response.id, Response.instrument_version_id, Response.unit_id,
                      Response.field_id, Response.channel, Response.submitted_at)
            .where(*response_filters(scope))).all()
        answers: dict[int, list] = {}
        for a in db.session.execute(sa.select(Answer.response_id, Answer.item_code,
                                              Answer.element_code, Answer.item_position,
                                              Answer.value, Answer.satisfied)
                                    .where(Answer.response_id.in_([o.id for o in originals]))):
            answers.setdefault(a.response_id, []).append(a)
        next_id = db.session.scalar(sa.select(sa.func.max(Response.id))) + 1
        new_responses, new_answers = [], []
        for k in range(copies):
            for o in originals:
                new_responses.append({"id": next_id, "instrument_version_id": o.instrument_version_id,
                                      "unit_id": o.unit_id, "field_id": o.field_id,
                                      "channel": o.channel, "submitted_at": o.submitted_at,
                                      "status": "valid", "locale": "vi",
                                      "submission_key": f"copy-{k}-{o.id}"})
                new_answers += [{"response_id": next_id, "item_code": a.item_code,
                                 "element_code": a.element_code,
                                 "item_position": a.item_position, "value": a.value,
                                 "satisfied": a.satisfied} for a in answers.get(o.id, ())]
                next_id += 1
        db.session.execute(sa.insert(Response), new_responses)
        db.session.execute(sa.insert(Answer), new_answers)
        db.session.commit()


def _peak_while_streaming(client) -> tuple[int, int]:
    tracemalloc.start()  # before the request: the first chunk is produced inside it
    response = client.get(f"/xuat/phieu.csv?ky={PERIOD}", buffered=False)
    size = sum(len(chunk) for chunk in response.response)
    peak = tracemalloc.get_traced_memory()[1]
    tracemalloc.stop()
    response.close()
    return size, peak


@pytest.mark.slow
def test_memory_does_not_grow_with_rows(demo_app, login, monkeypatch):
    """Peak Python memory while streaming is that of a page, not of the file. With pages of
    100 responses, a file 4× longer must not need more than 1.5× the memory (bench/
    export_stream.py measures the 1-million-response case)."""
    from survey_app.exports import responses

    monkeypatch.setattr(responses, "PAGE_SIZE", 100)
    monkeypatch.setattr("survey_app.exports.writers.CSV_CHUNK_ROWS", 100)
    client = login("phantich")
    small_size, small_peak = _peak_while_streaming(client)
    _add_copies(demo_app, 3)
    big_size, big_peak = _peak_while_streaming(client)
    assert big_size > 3 * small_size
    assert big_peak < 1.5 * small_peak, (small_peak, big_peak)
