"""Small uploads that used to take a worker's memory (issue 11, item 6).

Each hostile file is read in a child process whose address space is capped at 600 MB
(`resource.setrlimit(RLIMIT_AS)`), as a worker under a memory limit: before the fix each
child died of MemoryError; now it prints one clear error line. The web tests then check
that the admin gets a 4xx page with that message, and that nothing was stored.
"""

from __future__ import annotations

import io
import re
import subprocess
import sys
import textwrap
import zipfile
from pathlib import Path

import pytest
import sqlalchemy as sa
from openpyxl import Workbook

from survey_app.extensions import db
from survey_app.models import InstrumentVersion, Unit
from tests.survey_app.admin.conftest import submit

ROOT = Path(__file__).resolve().parents[3]
MEMORY_CAP = 600 * 1024 * 1024
SHEET = "xl/worksheets/sheet1.xml"


def _xlsx(rows=(("code", "name_vi"), ("X-1", "Xã 1"))) -> bytes:
    book = Workbook()
    for row in rows:
        book.active.append(list(row))
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def _with_sheet(change) -> bytes:
    """A valid two-row workbook whose sheet XML is rewritten by `change`."""
    source = zipfile.ZipFile(io.BytesIO(_xlsx()))
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED, compresslevel=9) as target:
        for info in source.infolist():
            body = source.read(info.filename)
            target.writestr(info.filename, change(body.decode()).encode() if info.filename == SHEET
                            else body)
    return out.getvalue()


def declared_range() -> bytes:
    """Declares A1:XFD1048576 and has a cell in the last row: openpyxl padded a million
    rows of 16,384 cells."""
    return _with_sheet(lambda xml: re.sub(r'<dimension ref="[^"]*" ?/>',
                                          '<dimension ref="A1:XFD1048576"/>', xml)
                       .replace("</sheetData>", '<row r="1048576"><c r="A1048576"><v>1</v>'
                                                "</c></row></sheetData>"))


def lying_range() -> bytes:
    """Declares A1:B2 but holds a cell at XFD1048576."""
    return _with_sheet(lambda xml: xml.replace(
        "</sheetData>", '<row r="1048576"><c r="XFD1048576"><v>1</v></c></row></sheetData>'))


def deflate_bomb() -> bytes:
    """300 kB that inflate to 300 MB of sheet XML (one huge cell), written in chunks so
    that the test itself stays small."""
    source = zipfile.ZipFile(io.BytesIO(_xlsx()))
    head, tail = source.read(SHEET).decode().split("</row></sheetData>", 1)
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED, compresslevel=9) as target:
        for info in source.infolist():
            if info.filename != SHEET:
                target.writestr(info.filename, source.read(info.filename))
                continue
            with target.open(SHEET, "w", force_zip64=True) as sheet:
                sheet.write((head + '<c r="C2" t="inlineStr"><is><t>').encode())
                chunk = b"A" * (1024 * 1024)
                for _ in range(300):
                    sheet.write(chunk)
                sheet.write(("</t></is></c></row></sheetData>" + tail).encode())
    return out.getvalue()


BOMBS = {
    "declared range": ("range.xlsx", declared_range, "1048576 dòng × 16384 cột"),
    "lying range": ("lie.xlsx", lying_range, "Tệp dài quá 20000 dòng"),
    "deflate bomb": ("bomb.xlsx", deflate_bomb, "giải nén ra quá lớn (300 MB"),
    "blank lines": ("lines.csv", lambda: b"code,name_vi\n" + b"\n" * (8_000_000),
                    "Tệp dài quá 20000 dòng"),
    "one wide row": ("wide.csv", lambda: b"code,name_vi\n" + b"," * (8_000_000),
                     "quá 50 cột"),
}

def yaml_bomb(levels: int) -> str:
    """`version` is 9**levels "lol"s through nested aliases, in about 60 bytes a level."""
    lines = ["code: demo-bomb", "description:", "  a0: &a0 [lol,lol,lol,lol,lol,lol,lol,lol,lol]"]
    lines += [f"  a{i}: &a{i} [{','.join([f'*a{i - 1}'] * 9)}]" for i in range(1, levels + 1)]
    lines += [f"version: *a{levels}", "title: x", "scales: x", "elements: x", "items: x", ""]
    return "\n".join(lines)


YAML_BOMB = yaml_bomb(8)  # 43 million "lol"s: MemoryError before the fix


def run_capped(script: str, *args: str) -> subprocess.CompletedProcess:
    prologue = textwrap.dedent(f"""
        import resource, sys
        resource.setrlimit(resource.RLIMIT_AS, ({MEMORY_CAP}, {MEMORY_CAP}))
        sys.path.insert(0, {str(ROOT)!r})
    """)
    return subprocess.run([sys.executable, "-c", prologue + textwrap.dedent(script), *args],
                          capture_output=True, text=True, timeout=300, cwd=ROOT)


READ_TABLE = """
    from survey_app.admin.upload_reader import TableError, read_table
    path = sys.argv[1]
    try:
        rows = read_table(path, open(path, "rb").read(), ("code", "name_vi"))
        print("rows", len(rows))
    except TableError as exc:
        print("ERROR", exc)
"""


@pytest.mark.slow  # a child Python per file (the web tests below run in --fast)
@pytest.mark.parametrize("case", BOMBS)
def test_hostile_tables_are_refused_within_a_memory_cap(tmp_path, case):
    name, make, expected = BOMBS[case]
    path = tmp_path / name
    path.write_bytes(make())
    done = run_capped(READ_TABLE, str(path))
    assert done.returncode == 0, done.stderr[-2000:]
    assert done.stdout.startswith("ERROR") and expected in done.stdout, done.stdout


@pytest.mark.slow  # a child Python
def test_a_yaml_alias_bomb_is_refused_within_a_memory_cap(tmp_path):
    path = tmp_path / "bomb.yaml"
    path.write_text(YAML_BOMB)
    assert len(YAML_BOMB) < 600
    done = run_capped("""
        from instruments.__main__ import main
        sys.exit(main(["check", sys.argv[1]]))
    """, str(path))
    assert done.returncode == 2, done.stderr[-2000:]
    assert done.stderr.strip() == ("error: bomb.yaml: not valid YAML at line 3: anchors and "
                                   "aliases (&, *) are not allowed")


def test_values_echoed_in_instrument_errors_are_cut_short():
    from instruments import InstrumentError, load_instrument_text

    with pytest.raises(InstrumentError) as refused:
        load_instrument_text(f"code: demo\nversion: {'9' * 100_000}x\ntitle: x\nscales: x\n"
                             "elements: x\nitems: x\n")
    assert len(str(refused.value)) < 200 and "must be a whole number" in str(refused.value)


def test_a_large_unknown_column_name_is_cut_short_in_the_message(app):
    from survey_app.admin.upload_reader import TableError, read_table

    with app.test_request_context(), pytest.raises(TableError) as refused:
        read_table("x.csv", b"code,name_vi," + b"z" * 100_000 + b"\nX,Y,Z\n", ("code", "name_vi"))
    assert len(str(refused.value)) < 400


# In-process, without a memory cap: only files whose old cost was bounded (a regression
# must fail the test, not take the machine).
@pytest.mark.parametrize("case", ["deflate bomb"])
@pytest.mark.usefixtures("admin")
def test_the_admin_gets_a_4xx_page_and_nothing_is_imported(app, client, case):
    name, make, expected = BOMBS[case]
    with app.app_context():
        before = db.session.scalar(sa.select(sa.func.count(Unit.id)))
    reply = submit(client, "/admin/nhap/don-vi", {}, files={"file": (io.BytesIO(make()), name)})
    assert reply.status_code == 422 and expected in reply.text
    with app.app_context():
        assert db.session.scalar(sa.select(sa.func.count(Unit.id))) == before


@pytest.mark.usefixtures("admin")
def test_the_admin_gets_a_4xx_page_for_a_yaml_alias_bomb(app, client):
    small_bomb = yaml_bomb(6)  # half a million "lol"s: a 3.7 MB error page before the fix
    reply = submit(client, "/admin/phieu-khao-sat", {},
                   files={"file": (io.BytesIO(small_bomb.encode()), "bomb.yaml")}, follow=True)
    assert reply.status_code == 422 and "anchors and aliases" in reply.text
    assert len(reply.data) < 100_000
    with app.app_context():
        assert db.session.scalar(sa.select(InstrumentVersion).filter_by(code="demo-bomb")) is None
