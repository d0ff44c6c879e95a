"""Logout logs out (issue 11, item 1): a copied session or remember cookie stops working
after logout, "log out everywhere", a password reset and a deactivation."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from email.utils import parsedate_to_datetime

import pytest

from tests.survey_app.auth.conftest import cookies, login, post_form, replay, user_id


def _logged_in_with_remember(app, username="phantich"):
    client = app.test_client()
    assert login(client, username, remember=True).status_code == 302
    stolen = cookies(client)
    assert set(stolen) == {"session", "remember_token"}
    # Control: each copied cookie alone is a login before anything happens.
    assert replay(app, stolen, only="session").status_code == 200
    assert replay(app, stolen, only="remember_token").status_code == 200
    return client, stolen


def _assert_dead(app, stolen):
    assert replay(app, stolen, only="session").status_code == 302
    assert replay(app, stolen, only="remember_token").status_code == 302
    assert replay(app, stolen).status_code == 302


def test_logout_with_remember_me_logs_out_this_browser_and_every_copy(users):
    app = users
    client, stolen = _logged_in_with_remember(app)
    page = client.get("/bang-dieu-khien")
    reply = post_form(client, "/bang-dieu-khien", "/dang-nhap/thoat")
    assert reply.status_code == 302
    assert "remember_token=;" in reply.headers.get("Set-Cookie", "") or \
        client.get_cookie("remember_token") is None
    assert page.status_code == 200
    assert client.get("/dang-nhap").status_code == 200  # the login form, not a redirect
    assert client.get("/bang-dieu-khien").status_code == 302
    _assert_dead(app, stolen)


def test_a_new_login_gets_a_new_remember_token(users):
    app = users
    client, first = _logged_in_with_remember(app)
    post_form(client, "/bang-dieu-khien", "/dang-nhap/thoat")
    again = app.test_client()
    login(again, "phantich", remember=True)
    assert again.get_cookie("remember_token").value != first["remember_token"]


def test_log_out_everywhere_ends_the_other_devices_sessions(users):
    app = users
    _desk, stolen = _logged_in_with_remember(app)
    laptop = app.test_client()
    login(laptop, "phantich")
    page = laptop.get("/bang-dieu-khien")
    assert "Đăng xuất mọi nơi" in page.text
    reply = post_form(laptop, "/bang-dieu-khien", "/dang-nhap/thoat-moi-noi")
    assert reply.status_code == 302 and laptop.get("/bang-dieu-khien").status_code == 302
    _assert_dead(app, stolen)


@pytest.mark.parametrize("change", ["password_reset", "deactivation"])
def test_admin_password_reset_or_deactivation_ends_the_users_sessions(users, change):
    app = users
    _victim, stolen = _logged_in_with_remember(app)
    admin = app.test_client()
    login(admin, "quantri")
    uid = user_id(app, "phantich")
    edit = f"/admin/nguoi-dung/{uid}"
    if change == "password_reset":
        reply = post_form(admin, edit, f"{edit}/mat-khau",
                          password="Mot-mat-khau-moi-7431", confirm="Mot-mat-khau-moi-7431")
        assert reply.status_code == 302
    else:
        assert post_form(admin, "/admin/nguoi-dung", f"{edit}/hoat-dong").status_code == 302
        assert post_form(admin, "/admin/nguoi-dung", f"{edit}/hoat-dong").status_code == 302
    _assert_dead(app, stolen)  # even once the account is enabled again


def test_remember_cookie_lasts_a_fortnight_not_a_year(users):
    client = users.test_client()
    reply = login(client, "phantich", remember=True)
    header = next(h for h in reply.headers.getlist("Set-Cookie")
                  if h.startswith("remember_token="))
    expires = parsedate_to_datetime(header.split("Expires=")[1].split(";")[0])
    assert expires - datetime.now(UTC) <= timedelta(days=14, minutes=5)
