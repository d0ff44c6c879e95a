"""Requests no browser sends, on SQLite and PostgreSQL: each is a 4xx page, never a 500.

Each case here was a 500 found by the fuzzers of this folder, kept by name so that a
regression says which door opened again. Cases share one database per test (a loop,
not a parametrization): a database and a login per case would cost seconds each.
"""

from __future__ import annotations

import io

import pytest

from tests.conftest import StaffAuth, csrf_from
from tests.hostile.conftest import table_counts
from tests.survey_app.admin.conftest import PASSWORD, build_world
from tests.survey_app.factories import form_of, make_world


@pytest.fixture
def world(any_app):
    return build_world(any_app)


@pytest.fixture
def admin_client(any_app, world):  # noqa: ARG001 - world holds the admin
    client = any_app.test_client()
    assert StaffAuth(client).login("quantri", PASSWORD).status_code == 302
    return client


NUL_PUBLIC = ["/s/a%00b", "/s/a%00b/cam-on", "/ket-qua/X%00", "/?lang=%00", "/dang-nhap?next=/%00"]
NUL_STAFF = ["/admin/so-lieu-ho-so?ky=2026-Q1%00", "/admin/binh-luan?status=%00",
             "/bang-dieu-khien?ky=%00", "/api/v1/indices?unit=X%00"]
HUGE = "9" * 25
NUMBERS = [
    (f"/admin/linh-vuc/{HUGE}", 404), (f"/admin/don-vi/{HUGE}", 404),
    ("/admin/chi-tieu?nam=²", 200), (f"/admin/chi-tieu?nam={HUGE}", 200),
    ("/admin/so-lieu-ho-so?page=²", 200), ("/admin/so-lieu-ho-so?page=" + "9" * 5000, 200),
    (f"/admin/so-lieu-ho-so?unit={HUGE}", 200), ("/admin/binh-luan?page=٣", 200),
    (f"/admin/quay?unit={HUGE}", 200), (f"/admin/quay/them?unit={HUGE}", 302),
    ("/bang-dieu-khien?don_vi=²", 400), (f"/bang-dieu-khien?linh_vuc={HUGE}", 400),
    ("/xuat/phieu.csv?don_vi=²", 400), ("/bao-cao?linh_vuc=²", 400),
    # Period labels: Unicode digits, and years whose look-back overflows the calendar.
    ("/bang-dieu-khien?ky=٢٠٢٦-Q1", 400), ("/xuat/chi-so.csv?ky=٢٠٢٦-Q1", 400),
    ("/bang-dieu-khien?ky=0001-CY", 400), ("/bang-dieu-khien?ky=1000-M01", 400),
    ("/bao-cao?ky=9999-Y", 400), ("/bang-dieu-khien?ky=2026-Q1", 200),
    ("/admin/nhat-ky?to=9999-12-31", 200), ("/admin/nhat-ky?from=0001-01-01", 200),
]


def statuses(client, paths) -> dict[str, int]:
    return {path: client.get(path).status_code for path in paths}


def test_nul_anywhere_in_a_request_is_a_400(any_app, admin_client):
    anonymous = any_app.test_client()
    assert statuses(anonymous, NUL_PUBLIC) == dict.fromkeys(NUL_PUBLIC, 400)
    assert "ký tự không hợp lệ" in anonymous.get(NUL_PUBLIC[0]).text
    assert statuses(admin_client, NUL_STAFF) == dict.fromkeys(NUL_STAFF, 400)
    before = table_counts(any_app)
    page = anonymous.get("/dang-nhap")
    login = anonymous.post("/dang-nhap", data={"csrf_token": csrf_from(page.text),
                                               "username": "quantri\x00", "password": PASSWORD})
    page = admin_client.get("/admin/linh-vuc/them")
    field = admin_client.post("/admin/linh-vuc/them", data={
        "csrf_token": csrf_from(page.text), "code": "moi", "name_vi": "Mới\x00",
        "name_en": "New", "sort_order": "1", "active": "y"})
    page = admin_client.get("/admin/phieu-khao-sat")
    upload = admin_client.post("/admin/phieu-khao-sat", data={
        "csrf_token": csrf_from(page.text), "file": (io.BytesIO(b"code: x\n"), "a\x00.yaml")},
        content_type="multipart/form-data")
    assert (login.status_code, field.status_code, upload.status_code) == (400, 400, 400)
    assert table_counts(any_app) == before
    # A multipart field whose name werkzeug cannot read (a line break): the key is None.
    survey = make_world(any_app)
    data = {**form_of(anonymous, f"/s/{survey.long_slug}"), "q_OVERALL": "4", "q_\n": "1"}
    before = table_counts(any_app)
    reply = anonymous.post(f"/s/{survey.long_slug}", data=data, content_type="multipart/form-data")
    assert reply.status_code == 400 and table_counts(any_app) == before


def test_odd_numbers_are_never_a_500(any_app, admin_client):
    assert statuses(admin_client, [p for p, _ in NUMBERS]) == dict(NUMBERS)
    before = table_counts(any_app)
    forms = [("/admin/linh-vuc/them", {"code": "moi", "name_vi": "Mới", "name_en": "New",
                                       "sort_order": "²"}),
             *(("/admin/chi-tieu/them", {"year": year, "scope": "overall", "metric": "sipas",
                                         "value": "90", "source": "KH 1"})
               for year in ("²", HUGE))]
    for page, data in forms:
        form = admin_client.get(page)
        reply = admin_client.post(page, data={"csrf_token": csrf_from(form.text), **data})
        assert reply.status_code == 422, (page, data)
    for field, value in [("ids", "²"), ("ids", HUGE), ("spam", "²"), ("restore", HUGE)]:
        page = admin_client.get("/admin/kiem-duyet-phieu")
        reply = admin_client.post("/admin/kiem-duyet-phieu", data={
            "csrf_token": csrf_from(page.text), "action": "spam", field: value})
        assert reply.status_code == 303, (field, value)
    page = admin_client.get("/admin/nhap/so-lieu-ho-so")
    content = ("unit_code,field_code,period,received\nX-TL,dat-dai,2026-Q1,²\n"
               "X-TL,dat-dai,0001-CY,1\n").encode()
    reply = admin_client.post("/admin/nhap/so-lieu-ho-so", data={
        "csrf_token": csrf_from(page.text), "file": (io.BytesIO(content), "v.csv")},
        content_type="multipart/form-data")
    assert reply.status_code == 422 and "không phải số nguyên không âm" in reply.text
    assert "kỳ \"0001-CY\" không hợp lệ" in reply.text.replace("&#34;", '"')
    assert table_counts(any_app) == before
