"""Requests no browser sends, on SQLite and PostgreSQL: each is a 4xx page, never a 500.

Each case here was a 500 found by the fuzzers of this folder; they are kept by name so
that a regression says which door opened again.
"""

from __future__ import annotations

import io

import pytest

from tests.admin.conftest import PASSWORD, build_world
from tests.conftest import StaffAuth, csrf_from
from tests.hostile.conftest import table_counts


@pytest.fixture
def world(any_app):
    return build_world(any_app)


@pytest.fixture
def admin_client(any_app, world):
    client = any_app.test_client()
    assert StaffAuth(client).login("quantri", PASSWORD).status_code == 302
    return client


@pytest.mark.parametrize("path", ["/s/a%00b", "/s/a%00b/cam-on", "/ket-qua/X%00", "/?lang=%00",
                                  "/dang-nhap?next=/%00"])
def test_nul_in_a_public_url_is_a_400(any_app, world, path):
    reply = any_app.test_client().get(path)
    assert reply.status_code == 400 and "ký tự không hợp lệ" in reply.text


def test_nul_in_the_login_form_is_a_400(any_app, world):
    client = any_app.test_client()
    page = client.get("/dang-nhap")
    before = table_counts(any_app)
    reply = client.post("/dang-nhap", data={"csrf_token": csrf_from(page.text),
                                            "username": "quantri\x00", "password": PASSWORD})
    assert reply.status_code == 400 and table_counts(any_app) == before


@pytest.mark.parametrize("path", ["/admin/so-lieu-ho-so?ky=2026-Q1%00",
                                  "/admin/binh-luan?status=%00", "/bang-dieu-khien?ky=%00"])
def test_nul_in_a_staff_filter_is_a_400(admin_client, path):
    assert admin_client.get(path).status_code == 400


def test_nul_in_an_admin_form_or_file_name_is_a_400(any_app, admin_client):
    before = table_counts(any_app)
    page = admin_client.get("/admin/linh-vuc/them")
    reply = admin_client.post("/admin/linh-vuc/them", data={
        "csrf_token": csrf_from(page.text), "code": "moi", "name_vi": "Mới\x00",
        "name_en": "New", "sort_order": "1", "active": "y"})
    assert reply.status_code == 400
    page = admin_client.get("/admin/phieu-khao-sat")
    reply = admin_client.post("/admin/phieu-khao-sat", data={
        "csrf_token": csrf_from(page.text), "file": (io.BytesIO(b"code: x\n"), "a\x00.yaml")},
        content_type="multipart/form-data")
    assert reply.status_code == 400
    assert table_counts(any_app) == before
