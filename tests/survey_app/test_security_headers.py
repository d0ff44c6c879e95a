"""Security headers on every kind of page; HSTS only behind TLS; proxies only when declared."""

import pytest

from tests.conftest import add_user, make_app


@pytest.mark.parametrize("path", ["/", "/dang-nhap", "/khong-co"])
def test_headers_on_public_pages(client, path):
    h = client.get(path).headers
    csp = h["Content-Security-Policy"]
    assert "script-src 'self'" in csp and "unsafe-inline" not in csp
    assert "frame-ancestors 'none'" in csp and "object-src 'none'" in csp
    assert h["X-Frame-Options"] == "DENY"
    assert h["X-Content-Type-Options"] == "nosniff"
    assert h["Referrer-Policy"] == "no-referrer"
    assert "Strict-Transport-Security" not in h  # plain HTTP in tests


def test_hsts_and_secure_cookies_behind_tls(tmp_path):
    app = make_app(f"sqlite:///{tmp_path / 'x.sqlite3'}", SESSION_COOKIE_SECURE=True)
    reply = app.test_client().get("/dang-nhap")
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
