"""Exports a civil servant can use: XLSX in the reader's language with percent cells, a
frozen header row and a codebook sheet; CSV unchanged (codes, raw numbers); the codebook
as its own CSV for every staff role.

The codebook is checked against the instrument YAML files read directly (not through our
instrument model), so a wrong label or satisfied value in either would show."""

from __future__ import annotations

import csv
import io
from pathlib import Path

import openpyxl
import pytest
import yaml

from analysis.status import status_label
from survey_app.exports import codebook
from survey_app.exports.index_rows import COLUMNS
from survey_app.exports.responses import FIXED_COLUMNS
from survey_app.extensions import db
from survey_app.models import Counter
from survey_app.reporting.indices import ReportScope
from tests.conftest import StaffAuth
from tests.factories import PASSWORD, make_response, make_unit, make_user, make_world

PERIOD = "2026-Q2"
FILES = Path(__file__).resolve().parents[3] / "instruments" / "files"


def _book(response) -> openpyxl.Workbook:
    assert response.status_code == 200
    return openpyxl.load_workbook(io.BytesIO(response.data))


def _csv(response) -> list[list[str]]:
    assert response.status_code == 200
    text = response.get_data(as_text=True)
    assert text.startswith("\ufeff")
    return list(csv.reader(io.StringIO(text[1:])))


def _yaml(name: str) -> dict:
    return yaml.safe_load((FILES / f"{name}.v1.yaml").read_text(encoding="utf-8"))


def _expected(definition: dict, lang: str) -> dict[str, dict]:
    """question code → what the codebook must say, straight from the YAML."""
    scales = definition["scales"]
    elements = {e["code"]: e["name"][lang] for e in definition["elements"]}
    out = {}
    for q in definition["items"] + definition.get("questions", []):
        if q.get("section") == "demographics":
            continue
        scale = scales[q["scale"]]
        values = {str(o["value"]): o[lang] for o in scale["options"]}
        if q.get("not_applicable"):
            values["na"] = {"vi": "Không áp dụng", "en": "Not applicable"}[lang]
        out[q["code"]] = {"text": q["text"][lang], "element": q.get("element"),
                          "element_name": elements.get(q.get("element")),
                          "values": values,
                          "satisfied": {str(v) for v in scale.get("satisfied", [])}}
    return out


def _codebook_by_question(rows: list[list], instrument: str) -> dict[str, dict]:
    """Group codebook rows (COLUMNS order, header first) by question of one instrument."""
    got: dict[str, dict] = {}
    for inst, code, _section, element, element_name, text, value, label, sat in rows[1:]:
        if inst != instrument:
            continue
        q = got.setdefault(code, {"text": text, "element": element or None,
                                  "element_name": element_name or None, "values": {},
                                  "satisfied": set(), "flags": set()})
        q["values"][str(value)] = label
        q["flags"].add(sat if value != "na" else "not applicable: " + str(sat or ""))
        if sat in (1, "1", "Có", "Yes"):
            q["satisfied"].add(str(value))
    return got


@pytest.mark.parametrize(("lang", "estimate", "unit_code", "sheets"), [
    ("vi", "Tỷ lệ hài lòng", "Mã đơn vị",
     ["Chung", "Đơn vị", "Lĩnh vực", "Yếu tố", "Xu hướng", "Sổ mã"]),
    ("en", "Satisfaction rate", "Unit code",
     ["Overall", "Unit", "Field", "Element", "Trend", "Codebook"]),
])
def test_index_xlsx_speaks_the_readers_language(login, lang, estimate, unit_code, sheets):
    client = login("phantich")
    book = _book(client.get(f"/xuat/chi-so.xlsx?ky={PERIOD}&lang={lang}"))
    assert book.sheetnames == sheets
    units = book[sheets[1]]
    header = [c.value for c in units[1]]
    assert estimate in header and unit_code in header
    assert not set(header) & set(COLUMNS)  # no English code left as a header
    for sheet in book:
        assert sheet.freeze_panes == "A2"
    # The percent cell holds the raw proportion, the same number as the CSV's.
    csv_rows = _csv(client.get(f"/xuat/chi-so.csv?ky={PERIOD}&lang={lang}"))
    by_unit = {r[COLUMNS.index("unit_code")]: r for r in csv_rows[1:] if r[0] == "units"}
    est = header.index(estimate)
    checked = 0
    for row in units.iter_rows(min_row=2):
        cell = row[est]
        assert cell.number_format == "0.0%"
        assert 0 <= cell.value <= 1
        want = by_unit[row[header.index(unit_code)].value][COLUMNS.index("estimate")]
        assert cell.value == float(want)
        checked += 1
    assert checked == len(by_unit) > 1


@pytest.mark.parametrize("lang", ["vi", "en"])
def test_index_xlsx_says_status_and_role_in_words(login, lang):
    """The CSV's codes, in words from analysis.status (not from the export code)."""
    client = login("phantich")
    book = _book(client.get(f"/xuat/chi-so.xlsx?ky={PERIOD}&lang={lang}"))
    csv_rows = _csv(client.get(f"/xuat/chi-so.csv?ky={PERIOD}"))
    status = {r[COLUMNS.index("unit_code")]: r[COLUMNS.index("status")]
              for r in csv_rows[1:] if r[0] == "units"}
    assert {"below", "met"} & set(status.values())
    units = book.worksheets[1]
    rows = [[c.value for c in r] for r in units.iter_rows()]
    unit_col = COLUMNS.index("unit_code")
    for row in rows[1:]:
        assert row[COLUMNS.index("status")] == status_label(status[row[unit_col]], lang)
        assert row[COLUMNS.index("role")] == {"vi": "Đơn vị tiếp nhận hồ sơ",
                                              "en": "Unit that received the dossier"}[lang]
        assert row[COLUMNS.index("table")] == units.title


@pytest.mark.parametrize("lang", ["vi", "en"])
def test_codebook_sheet_matches_the_instrument_files(login, lang):
    book = _book(login("phantich").get(f"/xuat/phieu.xlsx?ky={PERIOD}&lang={lang}"))
    title = {"vi": "Sổ mã", "en": "Codebook"}[lang]
    assert book.sheetnames == [{"vi": "Phiếu trả lời", "en": "Responses"}[lang], title]
    sheet = book[title]
    assert sheet.freeze_panes == "A2"
    rows = [[c.value for c in r] for r in sheet.iter_rows()]
    assert rows[0][1] == {"vi": "Mã câu hỏi", "en": "Question code"}[lang]
    yes, no = {"vi": ("Có", "Không"), "en": ("Yes", "No")}[lang]
    for name in ("counter-2018", "sipas-2022"):
        got = _codebook_by_question(rows, f"{name}@v1")
        want = _expected(_yaml(name), lang)
        assert got.keys() == want.keys()
        for code, q in want.items():
            assert {k: got[code][k] for k in q} == q, code
            allowed = {yes, no, None} if q["satisfied"] else {None}
            allowed |= {"not applicable: "}  # "na" is neither satisfied nor not
            assert got[code]["flags"] <= allowed
    # The responses sheet names its question columns by the codes the codebook explains.
    answers = book[book.sheetnames[0]]
    header = [c.value for c in answers[1]]
    codes = {r[1] for r in rows[1:]}
    assert {h.split(":")[-1] for h in header[len(FIXED_COLUMNS):]} <= codes
    assert header[0] == {"vi": "STT", "en": "No."}[lang]


def test_csv_exports_keep_codes_and_raw_numbers(login):
    client = login("phantich")
    for lang in ("vi", "en"):
        rows = _csv(client.get(f"/xuat/chi-so.csv?ky={PERIOD}&lang={lang}"))
        assert rows[0] == COLUMNS
        estimates = [r[COLUMNS.index("estimate")] for r in rows[1:] if r[0] == "units"]
        # repr of the float: all its digits, a decimal point, never a percent sign
        assert all("%" not in e and 0 <= float(e) <= 1 and repr(float(e)) == e for e in estimates)
        assert any(len(e) > 8 for e in estimates)
        header = _csv(client.get(f"/xuat/phieu.csv?ky={PERIOD}&lang={lang}"))[0]
        assert header[:len(FIXED_COLUMNS)] == FIXED_COLUMNS


@pytest.mark.parametrize("lang", ["vi", "en"])
def test_codebook_csv_is_machine_readable(login, lang):
    rows = _csv(login("xuanan").get(f"/xuat/so-ma.csv?lang={lang}"))  # a unit user too
    assert rows[0] == ["instrument", "question_code", "section", "element_code",
                       "element_name", "question_text", "value", "label", "satisfied"]
    for name in ("counter-2018", "sipas-2022"):
        got = _codebook_by_question(rows, f"{name}@v1")
        want = _expected(_yaml(name), lang)
        assert got.keys() == want.keys()
        for code, q in want.items():
            assert {k: got[code][k] for k in q} == q, code
            assert got[code]["flags"] <= ({"1", "0"} if q["satisfied"] else {""}) | {
                "not applicable: "}
    tc = [r for r in rows if r[:2] == ["counter-2018@v1", "TC"]]
    assert [(r[6], r[8]) for r in tc] == [("1", "0"), ("2", "0"), ("3", "0"), ("4", "1"),
                                          ("5", "1")]


def test_dashboard_links_the_codebook(login):
    for user in ("xuanan", "phantich"):
        page = login(user).get(f"/bang-dieu-khien?ky={PERIOD}")
        assert 'href="/xuat/so-ma.csv"' in page.text


@pytest.mark.parametrize("role", ["admin", "analyst", "unit"])
def test_codebook_csv_access_on_both_databases(any_app, role):
    with any_app.app_context():
        unit = make_unit("X-CB", "UBND xã Sổ Mã")
        make_user("nguoi", role, unit=unit if role == "unit" else None)
        db.session.commit()
    anonymous = any_app.test_client().get("/xuat/so-ma.csv")
    assert anonymous.status_code == 302 and "/dang-nhap" in anonymous.location
    client = any_app.test_client()
    assert StaffAuth(client).login("nguoi", PASSWORD).status_code == 302
    response = client.get("/xuat/so-ma.csv")
    assert response.status_code == 200
    assert response.mimetype == "text/csv"
    assert response.headers["Content-Disposition"] == 'attachment; filename="sipas_so-ma.csv"'
    rows = _csv(response)
    assert {r[0] for r in rows[1:]} == {"counter-2018@v1", "sipas-2022@v1"}


def test_the_sheet_covers_the_versions_answered_in_scope_on_both_databases(any_app):
    """Only valid responses of the period count: an excluded one on another form does not."""
    world = make_world(any_app)
    with any_app.app_context():
        make_response(db.session.get(Counter, world.long_id))  # 2026-03-01, sipas-2022
        make_response(db.session.get(Counter, world.short_id), status="excluded",
                      status_reason="test")
        db.session.commit()
        keys = [iv.key for iv in codebook.versions_in(ReportScope.for_period("2026-Q1"))]
        assert keys == ["sipas-2022@v1"]
        assert codebook.versions_in(ReportScope.for_period("2026-Q2")) == []
        assert [iv.key for iv in codebook.all_versions()] == ["counter-2018@v1",
                                                              "sipas-2022@v1"]
