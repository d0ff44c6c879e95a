"""Unit and dossier-volume imports through the real upload form: every bad file gives
row-level Vietnamese errors in the preview and changes nothing; a good one applies once."""

from __future__ import annotations

import io
from datetime import date

import pytest
import sqlalchemy as sa
from openpyxl import Workbook

from survey_app.extensions import db
from survey_app.models import AuditLog, DossierVolume, Unit
from tests.conftest import StaffAuth, csrf_from
from tests.survey_app.admin.conftest import audit_actions, build_world, hidden_value, submit

HEADER = "code,name_vi,name_en,kind,level,parent_code\n"


def upload(client, slug: str, content: bytes, filename: str = "tep.csv"):
    return submit(client, f"/admin/nhap/{slug}", {},
                  files={"file": (io.BytesIO(content), filename)})


def confirm(client, slug: str, preview_text: str):
    return client.post(f"/admin/nhap/{slug}/xac-nhan", data={
        "csrf_token": csrf_from(preview_text),
        "token": hidden_value(preview_text, "token"),
        "fingerprint": hidden_value(preview_text, "fingerprint")})


def snapshot(app):
    with app.app_context():
        units = sorted((u.code, u.name_vi, u.parent_id, u.kind) for u in db.session.scalars(
            sa.select(Unit)))
        volumes = sorted((v.unit_id, v.field_id, v.period, v.received)
                         for v in db.session.scalars(sa.select(DossierVolume)))
        audit = db.session.scalar(sa.select(sa.func.count(AuditLog.id)))
        return units, volumes, audit


def xlsx(rows) -> bytes:
    book = Workbook()
    for row in rows:
        book.active.append(row)
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


GOOD_UNITS = (HEADER.replace("\n", ",valid_to\n") +
              "X-MOI,UBND xã Mới,,xa,xa,H-NEW,\n"      # its parent comes later in the file
              # districts exist only as history: they end by 2025-07-01
              "H-NEW,UBND huyện Mới,New District,huyen,huyen,T-HT,2025-07-01\n"
              "X-TL,UBND xã Tùng Lộc (sửa tên),,xa,xa,H-CL,\n"
              "H-CL,UBND huyện Can Lộc,,huyen,huyen,T-HT,01/07/2025\n").encode()


@pytest.mark.usefixtures("admin")
def test_valid_unit_file_previews_then_applies_exactly_once(app, client):
    before = snapshot(app)
    preview = upload(client, "don-vi", GOOD_UNITS)
    assert preview.status_code == 200
    assert "Mới: 2" in preview.text and "Cập nhật: 2" in preview.text
    assert "Không đổi: 0" in preview.text
    assert snapshot(app) == before  # a preview writes nothing
    done = confirm(client, "don-vi", preview.text)
    assert done.status_code == 302
    with app.app_context():
        units = {u.code: u for u in db.session.scalars(sa.select(Unit))}
        assert units["X-MOI"].parent_id == units["H-NEW"].id
        assert units["H-NEW"].parent_id == units["T-HT"].id
        assert units["X-TL"].name_vi == "UBND xã Tùng Lộc (sửa tên)"
        assert units["H-CL"].valid_to == units["H-NEW"].valid_to == date(2025, 7, 1)
        assert units["X-TL"].valid_to is None
    actions = audit_actions(app)
    assert actions.count("unit.create") == 2 and actions.count("unit.update") == 2
    assert actions.count("import.units") == 1
    # The same confirmation again: the statuses changed (all unchanged now), nothing applied.
    again = confirm(client, "don-vi", preview.text)
    assert again.status_code == 409 and "đã thay đổi" in again.text
    assert audit_actions(app) == actions


BAD_UNIT_FILES = {
    "duplicate": (HEADER + "X-A,Xã A,,xa,xa,\nX-A,Xã A lần hai,,xa,xa,\n",
                  "Dòng 3, cột code: mã \"X-A\" trùng với dòng 2"),
    "unknown parent": (HEADER + "X-A,Xã A,,xa,xa,H-KHONG-CO\n",
                       "Dòng 2, cột parent_code: không có đơn vị mã \"H-KHONG-CO\""),
    "cycle in file": (HEADER + "H-A,Huyện A,,huyen,huyen,H-B\nH-B,Huyện B,,huyen,huyen,H-A\n",
                      "tạo thành vòng lặp"),
    "cycle with database": (HEADER + "T-HT,UBND tỉnh Hà Tĩnh,,tinh,tinh,X-TL\n",
                            "Dòng 2, cột parent_code: tạo thành vòng lặp"),
    "own parent": (HEADER + "X-A,Xã A,,xa,xa,X-A\n", "không thể là cấp trên của chính nó"),
    "bad kind": (HEADER + "X-A,Xã A,,lang,xa,\n",
                 "Dòng 2, cột kind: giá trị \"lang\" không hợp lệ"),
    "bad level": (HEADER + "X-A,Xã A,,xa,thon,\n", "Dòng 2, cột level"),
    "empty name": (HEADER + "X-A,,,xa,xa,\n", "Dòng 2, cột name_vi: bắt buộc"),
    "bad code": (HEADER + "Xã A,Xã A,,xa,xa,\n", "Dòng 2, cột code"),
    # PostgreSQL cannot store NUL: it must be a row error, not a failed confirmation.
    "NUL in a name": (HEADER + "X-A,Xã\x00A,,xa,xa,\n", "Dòng 2, cột name_vi: có ký tự điều khiển"),
    "escape sequence": (HEADER + "X-A,Xã A,\x1b[31mRed,xa,xa,\n", "Dòng 2, cột name_en: có ký tự"),
    "line break": (HEADER + 'X-A,"Xã\nA",,xa,xa,\n', "Dòng 2, cột name_vi: có ký tự điều khiển"),
    # two tiers since 2025-07-01: a district body can only be history
    "open district": (HEADER + "H-A,Huyện A,,huyen,huyen,\n",
                      "Dòng 2, cột valid_to: cấp huyện đã bỏ từ ngày 01/07/2025"),
    "district after reform": (HEADER.replace("\n", ",valid_to\n")
                              + "H-A,Huyện A,,huyen,huyen,,2026-01-01\n",
                              "Dòng 2, cột valid_to: cấp huyện đã bỏ"),
    "district office kept open": (HEADER + "P-A,Phòng Tư pháp,,phong,huyen,\n",
                                  "Dòng 2, cột valid_to: cấp huyện đã bỏ"),
    "bad date": (HEADER.replace("\n", ",valid_from\n") + "X-A,Xã A,,xa,xa,,31/02/2025\n",
                 "Dòng 2, cột valid_from: ngày \"31/02/2025\" không hợp lệ"),
    "dates reversed": (HEADER.replace("\n", ",valid_from,valid_to\n")
                       + "X-A,Xã A,,xa,xa,,2025-07-01,2025-01-01\n",
                       "Dòng 2, cột valid_to: ngày hết hiệu lực phải sau"),
    "official code twice": (HEADER.replace("\n", ",admin_code\n")
                            + "X-A,Xã A,,xa,xa,,26734\nX-B,Xã B,,xa,xa,,26734\n",
                            "Dòng 3, cột admin_code: mã đơn vị hành chính \"26734\" trùng"),
}


@pytest.mark.usefixtures("admin")
@pytest.mark.parametrize("case", list(BAD_UNIT_FILES))
def test_bad_unit_rows_are_reported_and_nothing_changes(app, client, case):
    content, message = BAD_UNIT_FILES[case]
    before = snapshot(app)
    preview = upload(client, "don-vi", content.encode())
    assert preview.status_code == 422
    assert message in preview.text.replace("&#34;", '"').replace("&quot;", '"')
    assert "chưa có dữ liệu nào được ghi" in preview.text
    assert 'name="token"' not in preview.text  # no way to confirm
    assert snapshot(app) == before


FILE_PROBLEMS = {
    "wrong columns": (b"ma,ten\nX-A,Xa A\n", "tep.csv", "thiếu cột: code, name_vi, kind, level"),
    "windows-1258": ((HEADER + "X-A,Ph\u01b0 A,,xa,xa,\n").encode("cp1258"), "tep.csv",
                     "không phải mã UTF-8"),
    "utf-16": ((HEADER + "X-A,Xã A,,xa,xa,\n").encode("utf-16"), "tep.csv", "UTF-16"),
    "not xlsx": (b"PK\x03\x04 rubbish", "tep.xlsx", "Tệp XLSX bị hỏng"),
    "pdf": (b"%PDF-1.4", "tep.pdf", "Chỉ nhận tệp .csv"),
    "header only": (HEADER.encode(), "tep.csv", "chưa có dữ liệu"),
    "empty": (b"", "tep.csv", "đang trống"),
}


@pytest.mark.usefixtures("admin")
@pytest.mark.parametrize("case", list(FILE_PROBLEMS))
def test_unreadable_files_are_explained(app, client, case):
    content, name, message = FILE_PROBLEMS[case]
    before = snapshot(app)
    preview = upload(client, "don-vi", content, name)
    assert preview.status_code == 422
    assert message in preview.text
    assert snapshot(app) == before


@pytest.mark.usefixtures("admin")
def test_bom_semicolons_and_xlsx_are_accepted(app, client):
    with_bom = ("\ufeff" + HEADER.replace(",", ";") + "X-A;Xã A;;xa;xa;H-CL\n").encode()
    preview = upload(client, "don-vi", with_bom)
    assert preview.status_code == 200 and "Mới: 1" in preview.text
    book = xlsx([["code", "name_vi", "kind", "level", "parent_code"],
                 ["X-B", "Xã B", "xa", "xa", "H-CL"], [None, None, None, None, None],
                 ["X-C", "Xã C", "xa", "xa", "X-B"]])
    preview = upload(client, "don-vi", book, "donvi.xlsx")
    assert preview.status_code == 200 and "Mới: 2" in preview.text
    assert confirm(client, "don-vi", preview.text).status_code == 302
    with app.app_context():
        assert db.session.scalar(sa.select(Unit).filter_by(code="X-C")).parent.code == "X-B"


@pytest.mark.usefixtures("admin")
def test_xlsx_row_numbers_match_excel(client):
    book = xlsx([["code", "name_vi", "kind", "level"], ["X-B", "Xã B", "xa", "xa"], [],
                 ["X-C", "Xã C", "thon", "xa"]])
    preview = upload(client, "don-vi", book, "donvi.xlsx")
    assert preview.status_code == 422 and "Dòng 4, cột kind" in preview.text


@pytest.mark.usefixtures("admin")
def test_text_is_escaped_in_the_preview(client):
    preview = upload(client, "don-vi", (HEADER + "X-A,<script>alert(1)</script>,,xa,xa,\n")
                     .encode())
    assert "<script>alert(1)" not in preview.text and "&lt;script&gt;" in preview.text


@pytest.mark.usefixtures("admin")
def test_a_forged_or_foreign_token_is_refused(app, client):
    preview = upload(client, "don-vi", GOOD_UNITS)
    token = hidden_value(preview.text, "token")
    reply = client.post("/admin/nhap/don-vi/xac-nhan", data={
        "csrf_token": csrf_from(preview.text), "token": token[:-3] + "abc",
        "fingerprint": hidden_value(preview.text, "fingerprint")}, follow_redirects=True)
    assert "hết hạn hoặc không hợp lệ" in reply.text
    # A volume token cannot be replayed as a unit import, nor by another admin.
    other = client.post("/admin/nhap/so-lieu-ho-so/xac-nhan", data={
        "csrf_token": csrf_from(preview.text), "token": token,
        "fingerprint": hidden_value(preview.text, "fingerprint")}, follow_redirects=True)
    assert "hết hạn hoặc không hợp lệ" in other.text
    assert audit_actions(app).count("import.units") == 0


VOL_HEADER = "unit_code,field_code,period,received\n"


def test_volumes_import_and_update(any_app):
    app = any_app
    client = app.test_client()
    build_world(app)
    StaffAuth(client).login("quantri", "mat-khau-rat-dai")
    content = (VOL_HEADER + "X-TL,dat-dai,2026-Q1,120\nX-TL,tu-phap-ho-tich,2026-q1,80\n"
               "H-CL,dat-dai,2026-Y,1 500\n").encode()
    preview = upload(client, "so-lieu-ho-so", content)
    assert preview.status_code == 200 and "Mới: 3" in preview.text
    assert confirm(client, "so-lieu-ho-so", preview.text).status_code == 302
    with app.app_context():
        rows = {(v.unit.code, v.field.code, v.period): v for v in db.session.scalars(
            sa.select(DossierVolume))}
        q1 = rows[("X-TL", "dat-dai", "2026-Q1")]
        assert (q1.received, str(q1.period_start), str(q1.period_end)) == (
            120, "2025-12-10", "2026-03-09")
        assert rows[("H-CL", "dat-dai", "2026-Y")].received == 1500
    again = upload(client, "so-lieu-ho-so", (VOL_HEADER + "X-TL,dat-dai,2026-Q1,130\n"
                                             "X-TL,tu-phap-ho-tich,2026-Q1,80\n").encode())
    assert "Cập nhật: 1" in again.text and "Không đổi: 1" in again.text
    assert "received: 120 → 130" in again.text
    assert confirm(client, "so-lieu-ho-so", again.text).status_code == 302
    actions = audit_actions(app)
    assert actions.count("volume.create") == 3 and actions.count("volume.update") == 1
    assert actions.count("import.volumes") == 2


# Line 2 of every file is a good row; the bad rows start at line 3.
BAD_VOLUMES = {
    "negative": ("X-TL,dat-dai,2026-Q1,-5", "Dòng 3, cột received: \"-5\" không phải số nguyên"),
    "decimal": ("X-TL,dat-dai,2026-Q1,12.5", "Dòng 3, cột received"),
    "empty received": ("X-TL,dat-dai,2026-Q1,", "Dòng 3, cột received: bắt buộc"),
    "unknown period": ("X-TL,dat-dai,2026-Q5,5",
                       "Dòng 3, cột period: kỳ \"2026-Q5\" không hợp lệ"),
    "unknown unit": ("X-KHONG,dat-dai,2026-Q1,5", "Dòng 3, cột unit_code: không có đơn vị"),
    "unknown field": ("X-TL,bay-bong,2026-Q1,5", "Dòng 3, cột field_code: không có lĩnh vực"),
    "duplicate": ("X-TL,dat-dai,2026-Q1,5\nX-TL,dat-dai,2026-Q1,6",
                  "Dòng 4, cột period: trùng đơn vị, lĩnh vực và kỳ với dòng 3"),
    "extra cell": ("X-TL,dat-dai,2026-Q1,5,thua", "có nhiều ô hơn số cột"),
}


@pytest.mark.usefixtures("admin")
@pytest.mark.parametrize("case", list(BAD_VOLUMES))
def test_bad_volume_rows_change_nothing(app, client, case):
    rows, message = BAD_VOLUMES[case]
    # A good row next to the bad one: it is not applied either.
    content = (VOL_HEADER + "X-TL,tu-phap-ho-tich,2026-Q2,10\n" + rows + "\n").encode()
    before = snapshot(app)
    preview = upload(client, "so-lieu-ho-so", content)
    assert preview.status_code == 422
    assert message in preview.text.replace("&#34;", '"').replace("&quot;", '"')
    assert snapshot(app) == before


@pytest.mark.usefixtures("admin")
def test_volume_xlsx_numbers(client):
    book = xlsx([["unit_code", "field_code", "period", "received"],
                 ["X-TL", "dat-dai", "2026-H1", 250.0], ["X-TL", "tu-phap-ho-tich", "2026-M03", 12]])
    preview = upload(client, "so-lieu-ho-so", book, "hoso.xlsx")
    assert preview.status_code == 200 and "Mới: 2" in preview.text


@pytest.mark.usefixtures("world", "admin")
def test_new_kinds_official_codes_and_validity_are_imported(app, client):
    content = (HEADER.replace("\n", ",admin_code,valid_from\n")
               + "P-HCC,Trung tâm Phục vụ hành chính công phường Mới,,hcc_xa,xa,X-TL,,"
                 "2025-07-01\n"
               + "P-DTN,Điểm tiếp nhận Tùng Lộc,,diem_tiep_nhan,xa,P-HCC,,2025-07-01\n"
               + "CA-T,Công an tỉnh,,nganh_doc,tinh,T-HT,000.00.01.H42,\n").encode()
    preview = upload(client, "don-vi", content)
    assert preview.status_code == 200 and "Mới: 3" in preview.text
    assert confirm(client, "don-vi", preview.text).status_code == 302
    with app.app_context():
        units = {u.code: u for u in db.session.scalars(sa.select(Unit))}
        assert units["P-DTN"].kind == "diem_tiep_nhan"
        assert units["P-HCC"].valid_from == date(2025, 7, 1) and units["P-HCC"].valid_to is None
        assert units["CA-T"].admin_code == "000.00.01.H42"
    # The official code belongs to CA-T now: another unit cannot take it.
    taken = upload(client, "don-vi", (HEADER.replace("\n", ",admin_code\n")
                                      + "X-Z,Xã Z,,xa,xa,,000.00.01.H42\n").encode())
    assert taken.status_code == 422 and "đã là của đơn vị CA-T" in taken.text


@pytest.mark.usefixtures('app', 'world', 'admin')
def test_district_refusal_is_in_english_with_lang_en(client):
    reply = submit(client, "/admin/nhap/don-vi?lang=en", {},
                   files={"file": (io.BytesIO((HEADER + "H-A,Huyện A,,huyen,huyen,\n").encode()),
                                   "tep.csv")})
    assert reply.status_code == 422
    assert "district" in reply.text and "2025-07-01" in reply.text
