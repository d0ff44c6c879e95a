"""The writers: formula injection neutralised, CSV streamed with a BOM, XLSX percent formats."""

from __future__ import annotations

import io
import types

import openpyxl
from hypothesis import given
from hypothesis import strategies as st

from survey_app.exports.writers import csv_stream, neutralise, xlsx_file

DANGEROUS = ["=HYPERLINK(\"http://x\",\"y\")", "+1+1", "-2+3", "@SUM(A1)", "\t=1", "\r=1"]


def test_dangerous_cells_become_text():
    for value in DANGEROUS:
        assert neutralise(value) == "'" + value
    assert neutralise("Bình thường") == "Bình thường"
    assert neutralise(-0.5) == -0.5  # numbers are numbers, not formulas
    assert neutralise(None) is None


@given(st.text())
def test_no_neutralised_text_starts_a_formula(text):
    out = neutralise(text)
    assert not out.startswith(("=", "+", "-", "@", "\t", "\r"))
    assert out.endswith(text)


def test_csv_stream_is_a_generator_with_bom_and_neutralised_cells():
    stream = csv_stream(["a", "=b"], iter([["=1+1", 0.25, None, -3]]))
    assert isinstance(stream, types.GeneratorType)
    text = "".join(stream)
    assert text.startswith("\ufeffa,'=b\r\n")
    assert "'=1+1,0.25,,-3\r\n" in text


def test_csv_stream_yields_in_chunks():
    rows = ([i, "x"] for i in range(5000))
    chunks = list(csv_stream(["n", "x"], rows, chunk_rows=1000))
    assert len(chunks) == 6
    assert "".join(chunks).count("\r\n") == 5001


def test_xlsx_percent_format_and_neutralised_text():
    spool = xlsx_file([("Bảng", ["name", "estimate"], [["=cmd|' /C calc'!A0", 0.925]])],
                      percent_columns=["estimate"])
    with spool:
        sheet = openpyxl.load_workbook(io.BytesIO(spool.read()))["Bảng"]
    assert sheet["A2"].value == "'=cmd|' /C calc'!A0"
    assert sheet["A2"].data_type == "s"
    assert sheet["B2"].value == 0.925
    assert "%" in sheet["B2"].number_format
