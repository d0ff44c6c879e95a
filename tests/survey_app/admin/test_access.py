"""Every admin route: anonymous → login page, analyst and unit → 403, admin → 200;
every POST without its CSRF token → 400 and nothing changed."""

from __future__ import annotations

import pytest

from tests.conftest import StaffAuth, csrf_from
from tests.survey_app.admin.conftest import audit_actions, build_world, login_as

GET_PAGES = [
    "/admin", "/admin/don-vi", "/admin/don-vi/them", "/admin/don-vi/{commune}",
    "/admin/linh-vuc", "/admin/linh-vuc/them", "/admin/linh-vuc/1",
    "/admin/quay", "/admin/quay?unit={commune}", "/admin/quay/them?unit={commune}",
    "/admin/quay/{counter}", "/admin/phieu-khao-sat", "/admin/chi-tieu", "/admin/chi-tieu/them",
    "/admin/chi-tieu/1", "/admin/so-lieu-ho-so", "/admin/nguoi-dung", "/admin/nguoi-dung/them",
    "/admin/nguoi-dung/{admin_id}", "/admin/kiem-duyet-phieu", "/admin/binh-luan",
    "/admin/binh-luan?status=hidden", "/admin/nhat-ky", "/admin/nhat-ky?page=abc&from=x",
    "/admin/nhap/don-vi", "/admin/nhap/so-lieu-ho-so", "/admin/loi-moi",
    "/admin/loi-moi?trang-thai=failed", "/admin/nhap/su-kien-ho-so",
]
DOWNLOADS = ["/admin/counters/{counter}/qr.png", "/admin/counters/{counter}/qr.svg",
             "/admin/counters/{counter}/poster.pdf", "/admin/units/X-TL/posters.zip"]
POSTS = [
    "/admin/don-vi/them", "/admin/don-vi/{commune}", "/admin/don-vi/{commune}/hoat-dong",
    "/admin/don-vi/{commune}/xoa", "/admin/don-vi/{commune}/khoa-api",
    "/admin/don-vi/{commune}/khoa-api/thu-hoi", "/admin/linh-vuc/them", "/admin/linh-vuc/1",
    "/admin/quay/them?unit={commune}", "/admin/quay/{counter}",
    "/admin/quay/{counter}/doi-duong-dan", "/admin/phieu-khao-sat",
    "/admin/phieu-khao-sat/1/trang-thai", "/admin/chi-tieu/them", "/admin/chi-tieu/1",
    "/admin/chi-tieu/1/xoa", "/admin/nguoi-dung/them", "/admin/nguoi-dung/{admin_id}",
    "/admin/nguoi-dung/{admin_id}/hoat-dong", "/admin/nguoi-dung/{admin_id}/mat-khau",
    "/admin/nguoi-dung/{admin_id}/api-token", "/admin/nguoi-dung/{admin_id}/api-token/thu-hoi",
    "/admin/kiem-duyet-phieu", "/admin/binh-luan", "/admin/nhap/don-vi",
    "/admin/nhap/don-vi/xac-nhan", "/admin/nhap/so-lieu-ho-so/xac-nhan",
]


def _urls(templates, world):
    return [t.format(commune=world.commune, counter=world.counter, admin_id=world.admin_id)
            for t in templates]


def test_every_admin_route_is_listed(app):
    """A new admin route must be added to the lists above (so it gets these checks)."""
    listed = {t.split("?")[0] for t in GET_PAGES + DOWNLOADS + POSTS}
    rules = {r.rule for r in app.url_map.iter_rules() if r.endpoint.startswith("admin.")}
    placeholders = {"<int:unit_id>": "{commune}", "<int:counter_id>": "{counter}",
                    "<int:user_id>": "{admin_id}", "<int:field_id>": "1",
                    "<int:target_id>": "1", "<int:iv_id>": "1", "<code>": "X-TL",
                    "<slug>": "don-vi"}
    missing = []
    for rule in rules:
        url = rule
        for k, v in placeholders.items():
            url = url.replace(k, v)
        if url not in listed and url.replace("don-vi", "so-lieu-ho-so") not in listed:
            missing.append(rule)
    assert not missing


def test_anonymous_is_sent_to_login(app, client):
    world = build_world(app)
    for url in _urls(GET_PAGES + DOWNLOADS, world):
        reply = client.get(url)
        assert reply.status_code == 302 and "/dang-nhap?next=" in reply.headers["Location"], url
    token = csrf_from(client.get("/dang-nhap").text)
    for url in _urls(POSTS, world):
        reply = client.post(url, data={"csrf_token": token})
        assert reply.status_code == 302 and "/dang-nhap" in reply.headers["Location"], url
    assert audit_actions(app) == []


@pytest.mark.parametrize("role", ["analyst", "unit"])
def test_other_roles_get_403(app, client, role):
    world = build_world(app)
    login_as(app, client, role)
    for url in _urls(GET_PAGES + DOWNLOADS, world):
        assert client.get(url).status_code == 403, url
    token = csrf_from(client.get("/bang-dieu-khien").text)
    for url in _urls(POSTS, world):
        assert client.post(url, data={"csrf_token": token}).status_code == 403, url
    assert audit_actions(app) == ["login"]
    assert "Quản trị</a>" not in client.get("/bang-dieu-khien").text


@pytest.mark.usefixtures("admin")
def test_admin_sees_every_page(client, world):
    for url in _urls(GET_PAGES + DOWNLOADS, world):
        assert client.get(url).status_code == 200, url
    assert 'href="/admin"' in client.get("/bang-dieu-khien").text  # the nav link


@pytest.mark.usefixtures("admin")
def test_every_post_needs_csrf(app, client, world):
    before = audit_actions(app)
    for url in _urls(POSTS, world):
        reply = client.post(url, data={"action": "spam", "ids": world.flagged[0],
                                       "code": "X", "name_vi": "X"})
        assert reply.status_code == 400, url
    assert audit_actions(app) == before


def test_admin_pages_on_postgresql(any_app):
    client = any_app.test_client()
    world = build_world(any_app)
    StaffAuth(client).login("quantri", "mat-khau-rat-dai")
    for url in _urls(GET_PAGES, world):
        assert client.get(url).status_code == 200, url


@pytest.mark.usefixtures("admin")
def test_admin_pages_in_english(client):
    page = client.get("/admin?lang=en")
    assert "Administration of the satisfaction survey" in page.text
    assert "suspicious responses awaiting review" in page.text
    preview = client.post("/admin/nhap/don-vi", data={
        "csrf_token": csrf_from(client.get("/admin/nhap/don-vi").text),
        "file": (__import__("io").BytesIO(b"ma\nX\n"), "x.csv")},
        content_type="multipart/form-data")
    assert preview.status_code == 422 and "The header row is wrong" in preview.text
