"""Attribution by dossier, end to end (issue 12's "done when"): a response received at
commune A and decided by department B counts for A in the receiving view and for B in the
deciding view. A's user and B's user each see it; the user of a third unit C sees it
nowhere: not on the page, in the CSV/XLSX index tables, the PDF, the API or the comments.
Logged-in users through the real routes, on SQLite and PostgreSQL."""

from __future__ import annotations

import csv
import io
import shutil
import subprocess

import openpyxl
import pytest
import sqlalchemy as sa

from survey_app.exports.index_rows import COLUMNS
from survey_app.exports.labels import header_labels
from survey_app.extensions import db
from survey_app.models import User
from survey_app.reporting import dashboard
from tests.conftest import StaffAuth
from tests.factories import PASSWORD, TWO_ROLE_PERIOD, make_two_role_world

SLUG = {"receiving": "tiep-nhan", "deciding": "giai-quyet"}
# respondents each unit user counts in each view (tests/factories.py:make_two_role_world)
COUNTED = {("xa_a", "receiving"): 10, ("xa_a", "deciding"): 4,
           ("so_b", "receiving"): 0, ("so_b", "deciding"): 6,
           ("xa_c", "receiving"): 5, ("xa_c", "deciding"): 5}
# the views in which the response received at A and decided by B is the user's
SEES_IT = {("xa_a", "receiving"), ("so_b", "deciding")}
NAMES = {"X-A": "UBND xã Hòa A", "S-B": "Sở Nông nghiệp và Môi trường B", "X-C": "UBND xã Ba C"}
OWN = {"xa_a": "X-A", "so_b": "S-B", "xa_c": "X-C"}


@pytest.fixture
def world(any_app, tmp_path, monkeypatch):
    monkeypatch.setattr(dashboard, "_CACHE", {})  # user ids repeat across test databases
    any_app.config["REPORT_DIR"] = str(tmp_path / "reports")
    return make_two_role_world(any_app)


def _login(app, username: str):
    client = app.test_client()
    assert StaffAuth(client).login(username, PASSWORD).status_code == 302
    return client


def _csv(response) -> list[dict]:
    assert response.status_code == 200, response.get_data(as_text=True)[:300]
    return list(csv.DictReader(io.StringIO(response.get_data(as_text=True).lstrip("\ufeff"))))


def _headline_n(rows: list[dict]) -> int:
    found = [int(r["n_respondents"]) for r in rows if r["table"] == "headline"]
    return found[0] if found else 0


def _xlsx(app, response) -> dict[str, list[dict]]:
    """Sheets as rows keyed by column code (the file's headers are Vietnamese labels)."""
    assert response.status_code == 200
    with app.test_request_context():
        codes = {label: code for code, label in zip(COLUMNS, header_labels(COLUMNS),
                                                      strict=True)}
    book = openpyxl.load_workbook(io.BytesIO(response.data), read_only=True)
    out = {}
    for sheet in book:
        rows = list(sheet.iter_rows(values_only=True))
        header = [codes.get(h, h) for h in rows[0]]
        out[sheet.title] = [dict(zip(header, r, strict=False)) for r in rows[1:]]
    return out


def _api(app, username: str, query: str):
    from survey_app.services.credentials import issue_user_token

    with app.app_context():
        token = issue_user_token(db.session.scalar(sa.select(User).filter_by(username=username)))
        db.session.commit()
    return app.test_client().get(f"/api/v1/indices{query}",
                                 headers={"Authorization": f"Bearer {token}"})


def _pdf_text(response, tmp_path) -> str:
    assert response.status_code == 200 and response.mimetype == "application/pdf"
    path = tmp_path / "r.pdf"
    path.write_bytes(response.data)
    out = subprocess.run(["pdftotext", "-layout", str(path), "-"], check=True,
                         capture_output=True, text=True)
    return " ".join(out.stdout.split())


def test_nội_vụ_counts_each_unit_in_its_role(any_app, world):
    client = _login(any_app, "phantich")
    for role in ("receiving", "deciding"):
        rows = _csv(client.get(f"/xuat/chi-so.csv?ky={TWO_ROLE_PERIOD}&vai={SLUG[role]}"))
        units = {r["unit_code"]: int(r["n_respondents"]) for r in rows if r["table"] == "units"}
        assert units == {code: n for (r, code), n in world.counts.items() if r == role}
        assert {r["role"] for r in rows} == {role}
        sheets = _xlsx(any_app, client.get(
            f"/xuat/chi-so.xlsx?ky={TWO_ROLE_PERIOD}&vai={SLUG[role]}"))
        assert {r["unit_code"]: r["n_respondents"] for r in sheets["Đơn vị"]} == units
        reply = _api(any_app, "phantich", f"?period={TWO_ROLE_PERIOD}&by=unit&role={role}")
        assert reply.status_code == 200
        body = reply.get_json()
        assert {r["unit_code"]: r["n_respondents"] for r in body["rows"]} == units
        assert body["role"] == role
        assert body["fallback_responses"] == (world.fallback if role == "deciding" else 0)
    # the page says, in words, how many responses fell back to their receiving unit
    page = client.get(f"/bang-dieu-khien?ky={TWO_ROLE_PERIOD}&vai=giai-quyet").get_data(
        as_text=True)
    assert ("Số phiếu không ghi cơ quan giải quyết, được tính cho đơn vị đã tiếp nhận hồ sơ: "
            f"{world.fallback}.") in page
    page = client.get(f"/bang-dieu-khien?ky={TWO_ROLE_PERIOD}&vai=giai-quyet&lang=en").get_data(
        as_text=True)
    assert ("Responses that named no deciding agency, counted for the unit that received the "
            f"dossier: {world.fallback}.") in page
    receiving = client.get(f"/bang-dieu-khien?ky={TWO_ROLE_PERIOD}&lang=en").get_data(as_text=True)
    assert "counted for the unit that received the dossier:" not in receiving


def test_the_row_level_files_carry_both_units(any_app, world):
    client = _login(any_app, "phantich")
    rows = _csv(client.get(f"/xuat/phieu.csv?ky={TWO_ROLE_PERIOD}&vai=giai-quyet"))
    pairs = sorted((r["unit_code"], r["deciding_unit_code"]) for r in rows)
    assert pairs == sorted([("X-A", "S-B")] * 6 + [("X-A", "")] * 4 + [("X-C", "X-C")] * 5)
    rows = _csv(client.get(f"/xuat/tra-loi.csv?ky={TWO_ROLE_PERIOD}&vai=giai-quyet"))
    # `unit` is the unit the view counts for; both recorded units ride along
    assert {(r["unit"], r["receiving_unit"], r["deciding_unit"]) for r in rows} == {
        ("S-B", "X-A", "S-B"), ("X-A", "X-A", ""), ("X-C", "X-C", "X-C")}
    comments = _csv(client.get(f"/xuat/gop-y.csv?ky={TWO_ROLE_PERIOD}&vai=giai-quyet"))
    assert {(c["unit_name"], c["deciding_unit_name"], c["comment"]) for c in comments} == {
        (NAMES["X-A"], NAMES["S-B"], world.comment), (NAMES["X-C"], NAMES["X-C"],
                                                      world.other_comment)}


@pytest.mark.slow  # six PDF reports
@pytest.mark.skipif(shutil.which("pdftotext") is None, reason="needs poppler-utils")
@pytest.mark.parametrize("username", ["xa_a", "so_b", "xa_c"])
def test_each_unit_user_sees_the_response_in_its_role_and_the_third_nowhere(
        any_app, world, tmp_path, username):
    client = _login(any_app, username)
    others = [name for code, name in NAMES.items() if code != OWN[username]]
    for role in ("receiving", "deciding"):
        n = COUNTED[(username, role)]
        sees = (username, role) in SEES_IT
        query = f"ky={TWO_ROLE_PERIOD}&vai={SLUG[role]}"
        # the page: headline count and the comment on the A→B response
        page = client.get(f"/bang-dieu-khien?{query}").get_data(as_text=True)
        assert (world.comment in page) is sees
        if n:
            assert f"· {n} người trả lời có chấm điểm" in page
        else:
            assert "Chưa có phiếu đánh giá hợp lệ trong kỳ này." in page
        # the index tables, CSV and XLSX
        rows = _csv(client.get(f"/xuat/chi-so.csv?{query}"))
        assert _headline_n(rows) == n
        assert {r["unit_code"] for r in rows if r["table"] == "units"} <= {OWN[username]}
        sheets = _xlsx(any_app, client.get(f"/xuat/chi-so.xlsx?{query}"))
        assert [r["n_respondents"] for r in sheets["Chung"]] == ([n] if n else [])
        # the API
        reply = _api(any_app, username, f"?period={TWO_ROLE_PERIOD}&role={role}&by=unit")
        assert reply.status_code == 200
        assert sum(r["n_respondents"] for r in reply.get_json()["rows"]) == n
        # the PDF
        text = _pdf_text(client.get(f"/bao-cao?{query}"), tmp_path)
        assert (f"{n} người trả lời có chấm điểm" in text if n
                else "Chưa có phiếu đánh giá hợp lệ trong kỳ này." in text)
        # no other unit's name anywhere the user is served
        served = [page, str(rows), str(sheets), reply.get_data(as_text=True), text]
        for name in others:
            assert not any(name in body for body in served), (name, role)
        if username == "xa_c":
            assert not any(world.comment in body for body in served)
        # another unit's scope is a 404, in either role
        for code, unit_id in (("X-A", world.a), ("S-B", world.b), ("X-C", world.c)):
            if code != OWN[username]:
                assert client.get(f"/bang-dieu-khien?{query}&don_vi={unit_id}").status_code == 404
                assert client.get(f"/xuat/chi-so.csv?{query}&don_vi={unit_id}").status_code == 404
                assert _api(any_app, username,
                            f"?period={TWO_ROLE_PERIOD}&role={role}&unit={code}"
                            ).status_code == 404


@pytest.mark.parametrize("url", ["/bang-dieu-khien", "/xuat/chi-so.csv", "/xuat/chi-so.xlsx",
                                 "/bao-cao"])
def test_a_bad_role_is_a_clear_400_in_the_users_language(app, url):
    from tests.conftest import add_user

    add_user(app, "phantich", "analyst")
    client = _login(app, "phantich")
    response = client.get(f"{url}?vai=quay")
    assert response.status_code == 400
    assert "Giá trị vai không hợp lệ: quay" in response.get_data(as_text=True)
    response = client.get(f"{url}?vai=quay&lang=en")
    assert response.status_code == 400
    assert "Invalid value for vai: quay" in response.get_data(as_text=True)


def test_the_api_refuses_a_bad_role(app):
    from tests.conftest import add_user

    add_user(app, "phantich", "analyst")
    reply = _api(app, "phantich", "?role=quay")
    assert reply.status_code == 400
    assert "role" in reply.get_json()["message"]
