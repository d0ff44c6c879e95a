"""Staff login: real form, throttled, no fixation, no open redirect, audited."""

import pytest
import sqlalchemy as sa

from survey_app.extensions import db
from survey_app.models import AuditLog
from tests.conftest import add_user, csrf_from


@pytest.fixture
def analyst(app):
    add_user(app, "phantich", "analyst")
    return "phantich"


def _audit(app):
    with app.app_context():
        return [(a.action, a.username) for a in db.session.scalars(
            sa.select(AuditLog).order_by(AuditLog.id))]


def test_login_page_is_vietnamese_and_staff_pages_need_login(client):
    page = client.get("/dang-nhap")
    assert page.status_code == 200 and "Đăng nhập dành cho cán bộ" in page.text
    refused = client.get("/bang-dieu-khien")
    assert refused.status_code == 302 and "/dang-nhap?next=" in refused.headers["Location"]
    followed = client.get("/bang-dieu-khien", follow_redirects=True)
    assert "Vui lòng đăng nhập để xem trang này." in followed.text


@pytest.mark.usefixtures("analyst")
def test_login_then_logout(app, client, auth):
    reply = auth.login("phantich", "mat-khau-rat-dai")
    assert reply.status_code == 302 and reply.headers["Location"] == "/bang-dieu-khien"
    page = client.get("/bang-dieu-khien")
    assert page.status_code == 200 and "Đăng xuất" in page.text
    assert auth.logout().status_code == 302
    assert client.get("/bang-dieu-khien").status_code == 302
    assert [a for a, _ in _audit(app)] == ["login", "logout"]


@pytest.mark.usefixtures("analyst")
@pytest.mark.parametrize("username, password", [("phantich", "sai-mat-khau"),
                                                ("khong-co-ai", "mat-khau-rat-dai")])
def test_wrong_password_or_unknown_user_same_message(app, client, auth,
                                                     username, password):
    reply = auth.login(username, password)
    assert reply.status_code == 422
    assert "Tên đăng nhập hoặc mật khẩu không đúng." in reply.text
    assert client.get("/bang-dieu-khien").status_code == 302
    assert _audit(app) == [("login_failed", None)]


@pytest.mark.usefixtures("analyst")
def test_disabled_user_cannot_log_in(app, auth):
    from survey_app.models import User

    with app.app_context():
        db.session.scalar(sa.select(User)).active = False
        db.session.commit()
    assert auth.login("phantich", "mat-khau-rat-dai").status_code == 422


@pytest.mark.usefixtures("analyst")
def test_missing_csrf_is_refused(client):
    reply = client.post("/dang-nhap", data={"username": "phantich",
                                            "password": "mat-khau-rat-dai"})
    assert reply.status_code == 400
    assert client.get("/bang-dieu-khien").status_code == 302


OFFSITE = ["https://evil.example/", "//evil.example/x", "/\\evil.example", "javascript:alert(1)",
           "http:/evil.example", "///evil.example", "\\\\evil.example", " //evil.example",
           "/\t/evil.example", "/\r\nSet-Cookie: planted=1", "JaVaScRiPt:alert(1)",
           "data:text/html,<script>alert(1)</script>", "https:evil.example",
           "//evil.example@localhost", "\x7f//evil.example"]


@pytest.mark.usefixtures("analyst")
@pytest.mark.parametrize("target", OFFSITE)
def test_no_open_redirect_after_login(auth, target):
    reply = auth.login("phantich", "mat-khau-rat-dai", next_url=target)
    assert reply.status_code == 302
    assert reply.headers["Location"] == "/bang-dieu-khien"


@pytest.mark.usefixtures("analyst")
def test_no_open_redirect_when_already_logged_in(client, auth):
    """/dang-nhap?next=… for someone logged in redirects at once: the same check applies."""
    from urllib.parse import quote

    auth.login("phantich", "mat-khau-rat-dai")
    for target in OFFSITE:
        reply = client.get("/dang-nhap?next=" + quote(target, safe=""))
        assert (reply.status_code, reply.headers["Location"]) == (302, "/bang-dieu-khien"), target


@pytest.mark.usefixtures("analyst")
def test_local_next_is_honoured(auth):
    reply = auth.login("phantich", "mat-khau-rat-dai", next_url="/bang-dieu-khien?ky=2026-Q1")
    assert reply.headers["Location"] == "/bang-dieu-khien?ky=2026-Q1"


@pytest.mark.usefixtures("analyst")
def test_session_is_renewed_at_login(client, auth):
    client.get("/dang-nhap?lang=en")  # a pre-login session with something in it
    with client.session_transaction() as before:
        before["planted"] = "by an attacker"
    auth.login("phantich", "mat-khau-rat-dai")
    with client.session_transaction() as after:
        assert "planted" not in after
        assert after.get("_user_id")


@pytest.mark.usefixtures("analyst")
def test_pre_login_cookie_is_replaced_and_does_not_log_in(app, client, auth):
    """Session fixation: an attacker who planted (or copied) the victim's pre-login cookie
    must not share the session the victim then logs in to."""
    client.get("/dang-nhap")
    planted = client.get_cookie("session").value
    auth.login("phantich", "mat-khau-rat-dai")
    assert client.get_cookie("session").value != planted
    attacker = app.test_client()
    attacker.set_cookie("session", planted)
    assert attacker.get("/bang-dieu-khien").status_code == 302  # to the login page


@pytest.mark.usefixtures("analyst")
def test_a_session_signed_with_another_key_is_not_logged_in(app):
    """A session cookie is only as good as its signature: a forged one is no login."""
    from flask.sessions import SecureCookieSessionInterface

    forger = app.test_client()
    other = type("Other", (), {"secret_key": "not-our-key", "config": app.config})()
    serializer = SecureCookieSessionInterface().get_signing_serializer(other)
    from survey_app.models import User

    with app.app_context():
        user_id = db.session.get(User, 1).get_id()  # "1:<session version>"
    forger.set_cookie("session", serializer.dumps({"_user_id": user_id, "_fresh": True}))
    assert forger.get("/bang-dieu-khien").status_code == 302
    # Control: the same content signed with the app's own key is a login (the test is live).
    ours = SecureCookieSessionInterface().get_signing_serializer(app)
    forger.set_cookie("session", ours.dumps({"_user_id": user_id, "_fresh": True}))
    assert forger.get("/bang-dieu-khien").status_code == 200


@pytest.mark.usefixtures("analyst")
def test_login_is_throttled_per_account(client):
    codes = []
    for _ in range(7):
        page = client.get("/dang-nhap")
        codes.append(client.post("/dang-nhap", data={
            "csrf_token": csrf_from(page.text), "username": "phantich",
            "password": "doan-mo"}).status_code)
    assert codes[:5] == [422] * 5 and codes[5:] == [429, 429]
    page = client.get("/dang-nhap")
    blocked = client.post("/dang-nhap", data={"csrf_token": csrf_from(page.text),
                                              "username": "phantich",
                                              "password": "mat-khau-rat-dai"})
    assert blocked.status_code == 429 and "Quá nhiều yêu cầu" in blocked.text


@pytest.mark.usefixtures("analyst")
def test_cookies_are_httponly_and_samesite(auth):
    reply = auth.login("phantich", "mat-khau-rat-dai")
    cookie = reply.headers["Set-Cookie"]
    assert "HttpOnly" in cookie and "SameSite=Lax" in cookie
