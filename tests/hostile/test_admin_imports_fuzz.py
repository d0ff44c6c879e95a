"""Admin imports under hostile files: units, dossier volumes and lineage, CSV and XLSX.

Random bytes, broken CSV, wrong encodings, formula injection, huge cells, control
characters: the answer is a preview page (200) or a page with the file's or the rows'
errors (4xx), never a 5xx. A preview never changes the database; a confirmation with a
valid plan applies it (302) or refuses (4xx) and then changes nothing. Run on SQLite
and PostgreSQL: PostgreSQL refuses NUL in text and integers beyond 32 bits, so a value
that slipped through the checks fails there first. (Instrument YAML uploads:
test_instrument_upload_fuzz.py.)
"""

from __future__ import annotations

import io

import pytest
from hypothesis import given
from hypothesis import strategies as st
from openpyxl import Workbook
from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE

from tests.hostile.conftest import (
    FUZZ,
    nasty_text,
    post_file,
    table_counts,
)
from tests.survey_app.admin.conftest import hidden_value

pytestmark = pytest.mark.slow  # hypothesis: many imports per test

UNIT_HEADER = ["code", "name_vi", "name_en", "kind", "level", "parent_code"]
VOLUME_HEADER = ["unit_code", "field_code", "period", "received"]

cells = st.one_of(
    nasty_text,
    st.sampled_from(["X-NEW", "X-TL", "H-CL", "T-HT", "xa", "huyen", "XA", "dat-dai",
                     "2026-Q1", "2026-q2", "2026-M13", "0001-CY", "9999-CY", "٢٠٢٦-Q1",
                     "12", "1 000", "1.5", "-3", "=1+1", "UBND xã Mới"]),
    st.integers(-10**20, 10**20).map(str),
)
headers = st.one_of(
    st.just(None),  # the right header for the kind
    st.lists(st.one_of(st.sampled_from(UNIT_HEADER + VOLUME_HEADER), nasty_text),
             min_size=1, max_size=7),
)
encodings = st.sampled_from(["utf-8", "utf-8-sig", "utf-16", "cp1258", "latin-1"])


def csv_bytes(header, rows, delimiter: str, encoding: str) -> bytes:
    quote = '"'
    lines = [delimiter.join(quote + c.replace(quote, quote * 2) + quote if (
        delimiter in c or quote in c or "\n" in c) else c for c in row)
        for row in [header, *rows]]
    return "\n".join(lines).encode(encoding, "replace")


def xlsx_bytes(header, rows) -> bytes:
    book = Workbook()
    for row in [header, *rows]:
        book.active.append([ILLEGAL_CHARACTERS_RE.sub("", c)[:32000] for c in row])
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def upload(client, slug: str, content: bytes, filename: str):
    return post_file(client, f"/admin/nhap/{slug}", client.csrf_token, content, filename)


def preview_then_confirm(app, client, slug: str, content: bytes, filename: str) -> None:
    before = table_counts(app)
    preview = upload(client, slug, content, filename)
    assert preview.status_code in (200, 400, 413, 422), preview.get_data()[:300]
    assert table_counts(app) == before, "a preview changed the database"
    assert b"<script>alert(1)" not in preview.data and b"<img src=x" not in preview.data
    if preview.status_code != 200 or 'name="token"' not in preview.text:
        return
    reply = client.post(f"/admin/nhap/{slug}/xac-nhan", data={
        "csrf_token": client.csrf_token, "token": hidden_value(preview.text, "token"),
        "fingerprint": hidden_value(preview.text, "fingerprint")})
    assert reply.status_code in (302, 409, 422), reply.get_data()[:300]
    if reply.status_code != 302:
        assert table_counts(app) == before
        return
    # Applied: the pages that list what was imported still render.
    page = "/admin/so-lieu-ho-so" if slug == "so-lieu-ho-so" else "/admin/don-vi"
    listing = client.get(page)
    assert listing.status_code == 200
    assert b"<script>alert(1)" not in listing.data and b"<img src=x" not in listing.data


@FUZZ
@given(header=headers, rows=st.lists(st.lists(cells, max_size=7), min_size=0, max_size=6),
       delimiter=st.sampled_from([",", ";", "\t", "|"]), encoding=encodings,
       as_xlsx=st.booleans(), filename=st.sampled_from(["don-vi.csv", "DON-VI.CSV", "x.txt",
                                                        "x.xlsx", "x.xls", "x", "a\"b.csv"]))
def test_unit_import_with_hostile_files(any_app, any_admin_client, header, rows, delimiter,
                                        encoding, as_xlsx, filename):
    header = header or UNIT_HEADER
    if as_xlsx:
        content, filename = xlsx_bytes(header, rows), "don-vi.xlsx"
    else:
        content = csv_bytes(header, rows, delimiter, encoding)
    preview_then_confirm(any_app, any_admin_client, "don-vi", content, filename)


@FUZZ
@given(header=headers, rows=st.lists(st.lists(cells, min_size=4, max_size=5), max_size=6),
       as_xlsx=st.booleans())
def test_volume_import_with_hostile_files(any_app, any_admin_client, header, rows, as_xlsx):
    header = header or VOLUME_HEADER
    if as_xlsx:
        content, filename = xlsx_bytes(header, rows), "so-lieu.xlsx"
    else:
        content, filename = csv_bytes(header, rows, ",", "utf-8"), "so-lieu.csv"
    preview_then_confirm(any_app, any_admin_client, "so-lieu-ho-so", content, filename)


LINEAGE_HEADER = ["predecessor", "successor", "effective_date", "change", "counters", "note"]
lineage_cells = st.one_of(
    nasty_text,
    st.sampled_from(["X-TL", "H-CL", "T-HT", "X-NEW", "merge", "split", "rename", "move",
                     "MC", "MC|MC", "2025-07-01", "01/07/2025", "2025-02-30", "31/12/1899",
                     "9999-12-31", "0001-01-01", "2025-07-01 00:00:00", ""]),
)


@FUZZ
@given(rows=st.lists(st.lists(lineage_cells, min_size=4, max_size=6), max_size=6),
       as_xlsx=st.booleans())
def test_lineage_import_with_hostile_files(any_app, any_admin_client, rows, as_xlsx):
    if as_xlsx:
        content, filename = xlsx_bytes(LINEAGE_HEADER, rows), "pha-he.xlsx"
    else:
        content, filename = csv_bytes(LINEAGE_HEADER, rows, ",", "utf-8"), "pha-he.csv"
    preview_then_confirm(any_app, any_admin_client, "pha-he-don-vi", content, filename)


# Named, so that a failure report shows the name rather than 200 kB of bytes.
IMPORT_FILES = {
    "empty": b"", "bom only": b"\xef\xbb\xbf", "utf-16 bom": b"\xff\xfe\x00c\x00o",
    "header word": b"code\n", "NULs": b"\x00" * 50,
    "unterminated quote": b"code,name_vi,kind,level\n" + b'"unterminated,quote\n' * 3,
    "formula": b"code,name_vi,kind,level\nX-F,=HYPERLINK(\"http://evil\"),xa,xa\n",
    "huge cell": ("code,name_vi,kind,level\nX-BIG," + "Đ" * 200_000 + ",xa,xa\n").encode(),
    "NUL in a name": b"code,name_vi,kind,level\nX-N,a\x00b,xa,xa\n",
    "escape in a name": b"code,name_vi,kind,level\nX-M,\x1b[31mred,xa,xa\n",
    "markup in a name": b"code,name_vi,kind,level\nX-S,<script>alert(1)</script>,xa,xa\n",
    "6000 rows": b"code,name_vi,kind,level\n" + b"X-R,R,xa,xa\n" * 6000,
}


@FUZZ
@given(content=st.one_of(st.binary(max_size=300),
                         st.binary(max_size=300).map(lambda b: b"PK\x03\x04" + b),  # "xlsx"
                         st.sampled_from(sorted(IMPORT_FILES)).map(IMPORT_FILES.get)),
       filename=st.sampled_from(["a.csv", "a.xlsx", "a.txt", "a.pdf", "", "../a.csv",
                                 "a" * 300 + ".csv"]))
def test_any_bytes_as_an_import_file(any_app, any_admin_client, content, filename):
    before = table_counts(any_app)
    if filename:
        preview_then_confirm(any_app, any_admin_client, "don-vi", content, filename)
    else:
        reply = upload(any_admin_client, "don-vi", content, filename)
        assert reply.status_code in (400, 422)
        assert table_counts(any_app) == before
