"""Admin uploads under hostile files: the units and dossier-volume imports (CSV/XLSX) and
the instrument YAML upload.

Random bytes, broken CSV, wrong encodings, formula injection, huge cells, control
characters: the answer is a preview page (200), a page with the file's or the rows'
errors (4xx), never a 5xx. A preview never changes the database; a confirmation with a
valid plan applies it (302) or refuses (4xx) and then changes nothing. Run on SQLite
and PostgreSQL: PostgreSQL refuses NUL in text and integers beyond 32 bits, so a value
that slipped through the checks fails there first.
"""

from __future__ import annotations

import io
import re

import pytest
import yaml
from hypothesis import given
from hypothesis import strategies as st
from openpyxl import Workbook
from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE

from instruments import FILES_DIR
from tests.admin.conftest import PASSWORD, build_world, hidden_value
from tests.conftest import StaffAuth, csrf_from
from tests.hostile.conftest import (
    FUZZ,
    PAYLOADS,
    nasty_text,
    post_file,
    table_counts,
    without,
)

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


@pytest.fixture
def admin_client(any_app):
    build_world(any_app)
    client = any_app.test_client()
    assert StaffAuth(client).login("quantri", PASSWORD).status_code == 302
    # One CSRF token serves every form of the session: no GET before each upload.
    client.csrf_token = csrf_from(client.get("/admin/nhap/don-vi").text)
    return client


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
    page = "/admin/don-vi" if slug == "don-vi" else "/admin/so-lieu-ho-so"
    listing = client.get(page)
    assert listing.status_code == 200
    assert b"<script>alert(1)" not in listing.data and b"<img src=x" not in listing.data


@FUZZ
@given(header=headers, rows=st.lists(st.lists(cells, max_size=7), min_size=0, max_size=6),
       delimiter=st.sampled_from([",", ";", "\t", "|"]), encoding=encodings,
       as_xlsx=st.booleans(), filename=st.sampled_from(["don-vi.csv", "DON-VI.CSV", "x.txt",
                                                        "x.xlsx", "x.xls", "x", "a\"b.csv"]))
def test_unit_import_with_hostile_files(any_app, admin_client, header, rows, delimiter,
                                        encoding, as_xlsx, filename):
    header = header or UNIT_HEADER
    if as_xlsx:
        content, filename = xlsx_bytes(header, rows), "don-vi.xlsx"
    else:
        content = csv_bytes(header, rows, delimiter, encoding)
    preview_then_confirm(any_app, admin_client, "don-vi", content, filename)


@FUZZ
@given(header=headers, rows=st.lists(st.lists(cells, min_size=4, max_size=5), max_size=6),
       as_xlsx=st.booleans())
def test_volume_import_with_hostile_files(any_app, admin_client, header, rows, as_xlsx):
    header = header or VOLUME_HEADER
    if as_xlsx:
        content, filename = xlsx_bytes(header, rows), "so-lieu.xlsx"
    else:
        content, filename = csv_bytes(header, rows, ",", "utf-8"), "so-lieu.csv"
    preview_then_confirm(any_app, admin_client, "so-lieu-ho-so", content, filename)


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
def test_any_bytes_as_an_import_file(any_app, admin_client, content, filename):
    before = table_counts(any_app)
    if filename:
        preview_then_confirm(any_app, admin_client, "don-vi", content, filename)
    else:
        reply = upload(admin_client, "don-vi", content, filename)
        assert reply.status_code in (400, 422)
        assert table_counts(any_app) == before


# --- instrument YAML ------------------------------------------------------------------

SHIPPED = yaml.safe_load((FILES_DIR / "counter-2018.v1.yaml").read_text("utf-8"))
yaml_values = st.recursive(
    st.one_of(st.none(), st.booleans(), st.integers(-2**70, 2**70), st.floats(),
              st.sampled_from(PAYLOADS), st.text(max_size=20), st.dates()),
    lambda inner: st.one_of(st.lists(inner, max_size=3),
                            st.dictionaries(st.one_of(st.text(max_size=8), st.integers()),
                                            inner, max_size=3)),
    max_leaves=8)


def _paths(node, prefix=()):
    yield prefix
    if isinstance(node, dict):
        for k, v in node.items():
            yield from _paths(v, (*prefix, k))
    elif isinstance(node, list):
        for i, v in enumerate(node):
            yield from _paths(v, (*prefix, i))


PATHS = list(_paths(SHIPPED))[1:]


def mutate(doc, path, value):
    import copy

    doc = copy.deepcopy(doc)
    node = doc
    for step in path[:-1]:
        node = node[step]
    node[path[-1]] = value
    return doc


def upload_yaml(client, content: bytes, filename: str = "phieu.yaml"):
    return post_file(client, "/admin/phieu-khao-sat", client.csrf_token, content, filename)


def check_yaml_reply(app, client, before, reply) -> None:
    assert reply.status_code in (302, 400, 413, 422), reply.get_data()[:300]
    after = table_counts(app)
    if reply.status_code == 302:  # published: one new version and its audit entry at most
        assert without(after, "instrument_versions", "audit_log") == without(
            before, "instrument_versions", "audit_log")
        page = client.get("/admin/phieu-khao-sat")
        assert page.status_code == 200 and b"<script>alert(1)" not in page.data
    else:
        assert after == before
        assert b"<script>alert(1)" not in reply.data


@FUZZ
@given(edits=st.lists(st.tuples(st.sampled_from(PATHS), yaml_values), min_size=1, max_size=3),
       version=st.one_of(st.integers(2, 50), st.integers(2**31, 2**70), st.sampled_from(
           [0, -1, "2", 2.5, True, None])))
def test_mutated_instrument_yaml(any_app, admin_client, edits, version):
    doc = dict(SHIPPED, version=version)
    for path, value in edits:
        try:
            doc = mutate(doc, path, value)
        except (KeyError, IndexError, TypeError):
            continue  # an earlier edit replaced the parent
    text = yaml.safe_dump(doc, allow_unicode=True)
    before = table_counts(any_app)
    check_yaml_reply(any_app, admin_client, before, upload_yaml(admin_client, text.encode()))


YAML_FILES = {
    "deep": b"[" * 50_000, "deep mapping": b"a: " * 5_000 + b"1", "self alias": b"a: &a [*a]\n",
    "mixed keys": b"1: a\nb: c\ncode: x\n", "python tag": b"!!python/object/apply:os.system ['true']",
    "binary": b"code: !!binary aGVsbG8=\n", "NUL escape": b'title: "\\0"\n',
    "surrogate escape": b'title: "\\ud800"\n', "bom": b"\xef\xbb\xbfcode: x\n",
    "utf-16 bom": b"\xff\xfe", "too big": b"x" * 600_000,
    "NUL in a valid file": re.sub(
        rb"vi: (.*)", rb'vi: "\\0\1"', (FILES_DIR / "counter-2018.v1.yaml").read_bytes()
        .replace(b"version: 1", b"version: 7"), count=1),
}


@FUZZ
@given(content=st.one_of(st.binary(max_size=200), st.text(max_size=200).map(str.encode),
                         st.sampled_from(sorted(YAML_FILES)).map(YAML_FILES.get)))
def test_any_bytes_as_an_instrument_file(any_app, admin_client, content):
    before = table_counts(any_app)
    check_yaml_reply(any_app, admin_client, before, upload_yaml(admin_client, content))
