"""Security headers on every kind of page; HSTS only behind TLS; proxies only when declared;
cookies HttpOnly and SameSite always, Secure behind TLS."""

import pytest

from tests.conftest import StaffAuth, add_user, csrf_from, make_app


@pytest.mark.parametrize("path", ["/", "/dang-nhap", "/khong-co"])
def test_headers_on_public_pages(client, path):
    h = client.get(path).headers
    csp = h["Content-Security-Policy"]
    assert "script-src 'self'" in csp and "unsafe-inline" not in csp
    assert "frame-ancestors 'none'" in csp and "object-src 'none'" in csp
    assert h["X-Frame-Options"] == "DENY"
    assert h["X-Content-Type-Options"] == "nosniff"
    assert h["Referrer-Policy"] == "same-origin"
    assert "Strict-Transport-Security" not in h  # plain HTTP in tests


def assert_page_headers(reply, where: str) -> None:
    h = reply.headers
    directives = dict(d.strip().split(" ", 1) for d in h["Content-Security-Policy"].split(";"))
    assert directives["script-src"] == "'self'", where  # no 'unsafe-inline', no eval, no CDN
    assert directives["default-src"] == "'self'" and directives["object-src"] == "'none'"
    assert directives["frame-ancestors"] == "'none'" and h["X-Frame-Options"] == "DENY", where
    assert directives["base-uri"] == "'self'" and directives["form-action"] == "'self'"
    assert h["Referrer-Policy"] == "same-origin", where  # ?d= receipt tokens stay here
    assert h["X-Content-Type-Options"] == "nosniff", where


def test_headers_on_every_kind_of_page(app):
    """Public, citizen, staff, admin, download, figure, JSON API and error responses."""
    from tests.survey_app.admin.conftest import PASSWORD, build_world
    from tests.survey_app.factories import make_world

    build_world(app)
    survey = make_world(app)
    anonymous, admin = app.test_client(), app.test_client()
    StaffAuth(admin).login("quantri", PASSWORD)
    replies = {path: anonymous.get(path) for path in (
        "/", "/dang-nhap", f"/s/{survey.short_slug}", f"/s/{survey.short_slug}/cam-on",
        "/ket-qua/X-TEST", "/s/khong-co", "/healthz", "/static/app.css",
        "/api/v1/openapi.json", "/api/v1/indices", "/bang-dieu-khien")}
    replies["POST /api/v1/receipt-links"] = anonymous.post("/api/v1/receipt-links", json={})
    replies["POST /s/ without CSRF"] = anonymous.post(f"/s/{survey.short_slug}")
    for path in ("/bang-dieu-khien", "/admin", "/admin/don-vi", "/admin/nhat-ky",
                 "/xuat/chi-so.csv", "/admin/counters/1/qr.svg", "/admin/khong-co"):
        replies["admin " + path] = admin.get(path)
    for where, reply in replies.items():
        reply.close()  # the static file's handle
        assert_page_headers(reply, where)
        assert "Strict-Transport-Security" not in reply.headers, where  # plain HTTP here
        if where.startswith("admin "):
            assert "no-store" in reply.headers["Cache-Control"], where


def test_hsts_and_secure_cookies_behind_tls(tmp_path):
    app = make_app(f"sqlite:///{tmp_path / 'x.sqlite3'}", SESSION_COOKIE_SECURE=True)
    reply = app.test_client().get("/dang-nhap")
    assert reply.headers["Strict-Transport-Security"].startswith("max-age=31536000")


def _referer(page) -> dict[str, str]:
    """The Referer a browser sends when it posts a form of `page` to the same site."""
    return {} if page.headers["Referrer-Policy"] == "no-referrer" else {
        "Referer": page.request.url}


def test_forms_can_be_posted_behind_tls(app):
    """Over HTTPS, Flask-WTF wants a same-site Referer: the policy must let browsers send it."""
    from tests.survey_app.factories import SHORT_ANSWERS, hidden, make_world

    app.config.update(SESSION_COOKIE_SECURE=True)
    add_user(app, "quantri", "admin")
    survey = make_world(app)
    client, https = app.test_client(), "https://localhost"
    page = client.get("/dang-nhap", base_url=https)
    login = client.post("/dang-nhap", base_url=https, headers=_referer(page), data={
        "csrf_token": csrf_from(page.text), "username": "quantri",
        "password": "mat-khau-rat-dai"})
    assert login.status_code == 302
    page = client.get(f"/s/{survey.short_slug}", base_url=https)
    answer = client.post(f"/s/{survey.short_slug}", base_url=https, headers=_referer(page),
                         data={"csrf_token": hidden(page.text, "csrf_token"),
                               "form_token": hidden(page.text, "form_token"),
                               **SHORT_ANSWERS, "field": "dat-dai"})
    assert answer.status_code == 303
    forged = client.post("/dang-nhap/thoat", base_url=https,
                         headers={"Referer": "https://evil.example/"},
                         data={"csrf_token": csrf_from(page.text)})
    assert forged.status_code == 400  # the check that needs the Referer still stands


def _login_cookies(app, base_url: str = "http://localhost") -> dict[str, str]:
    """The Set-Cookie headers of a login with "remember me", by cookie name."""
    add_user(app, "quantri", "admin")
    client = app.test_client()
    page = client.get("/dang-nhap", base_url=base_url)
    reply = client.post("/dang-nhap", base_url=base_url, headers=_referer(page), data={
        "csrf_token": csrf_from(page.text), "username": "quantri",
        "password": "mat-khau-rat-dai", "remember": "y"})
    assert reply.status_code == 302
    return {c.split("=", 1)[0]: c for c in reply.headers.getlist("Set-Cookie")}


def test_cookies_are_httponly_and_samesite_over_http(app):
    cookies = _login_cookies(app)
    assert set(cookies) == {"session", "remember_token"}
    for name, cookie in cookies.items():
        assert "; HttpOnly" in cookie and "; SameSite=Lax" in cookie, name
        assert "; Secure" not in cookie, name  # development over plain HTTP still works


def test_cookies_are_secure_when_sipas_secure_cookies_is_set(tmp_path, monkeypatch):
    from tests.conftest import create_schema_and_reference_data

    monkeypatch.setenv("SIPAS_SECURE_COOKIES", "1")
    app = make_app(f"sqlite:///{tmp_path / 'x.sqlite3'}")
    create_schema_and_reference_data(app)
    for name, cookie in _login_cookies(app, "https://localhost").items():
        assert "; Secure" in cookie and "; HttpOnly" in cookie and "; SameSite=Lax" in cookie, name
    reply = app.test_client().get("/api/v1/openapi.json")
    assert reply.headers["Strict-Transport-Security"].startswith("max-age=31536000")


def test_staff_pages_are_not_cached(app, client, auth):
    add_user(app, "phantich", "analyst")
    auth.login("phantich", "mat-khau-rat-dai")
    assert client.get("/bang-dieu-khien").headers["Cache-Control"] == "no-store"


def test_forwarded_for_is_ignored_without_a_declared_proxy(app, client):
    from flask import request

    seen = []

    @app.get("/_who")
    def who():
        seen.append(request.remote_addr)
        return "ok"

    client.get("/_who", headers={"X-Forwarded-For": "203.0.113.9"})
    assert seen == ["127.0.0.1"]


def test_forwarded_for_is_used_behind_a_declared_proxy(tmp_path, monkeypatch):
    from flask import request

    monkeypatch.setenv("SIPAS_PROXY_COUNT", "1")
    app = make_app(f"sqlite:///{tmp_path / 'x.sqlite3'}")
    seen = []

    @app.get("/_who")
    def who():
        seen.append(request.remote_addr)
        return "ok"

    app.test_client().get("/_who", headers={"X-Forwarded-For": "203.0.113.9"})
    assert seen == ["203.0.113.9"]


def test_no_template_uses_inline_script_or_style():
    """The CSP forbids inline scripts and styles; a template that used them would break."""
    import re
    from pathlib import Path

    root = Path(__file__).resolve().parents[2] / "survey_app" / "templates"
    offenders = [str(p.relative_to(root)) for p in root.rglob("*.html")
                 if re.search(r"<script(?![^>]*\bsrc=)|\sstyle=|\son[a-z]+=", p.read_text("utf-8"))]
    assert offenders == []
