"""Password policy (issue 11, item 14): common and trivially weak passwords are refused
with a clear Vietnamese message in the admin's new-user form, the password reset and
`flask create-user`; nothing is stored for a refused one."""

from __future__ import annotations

import pytest
import sqlalchemy as sa
from werkzeug.security import check_password_hash

from survey_app.extensions import db
from survey_app.models import User
from tests.survey_app.auth.conftest import login, post_form, user_id

WEAK = ["password123", "1234567890", "qwertyuiop", "matkhau123", "anhyeuem123",
        "Admin@12345", "P@ssw0rd2026", "canbo-2026!", "phantich2026"]
STRONG = "ngay-mai-troi-mua-to"
TOO_EASY = "Mật khẩu quá dễ đoán"


def _admin(app):
    client = app.test_client()
    assert login(client, "quantri").status_code == 302
    return client


@pytest.mark.parametrize("weak", WEAK)
def test_new_user_form_refuses_a_weak_password(users, weak):
    client = _admin(users)
    reply = post_form(client, "/admin/nguoi-dung/them", "/admin/nguoi-dung/them",
                      username="canbo", full_name="Cán bộ Mới", role="analyst", unit_id="",
                      password=weak, confirm=weak)
    assert reply.status_code == 422 and TOO_EASY in reply.text
    with users.app_context():
        assert db.session.scalar(sa.select(User).filter_by(username="canbo")) is None


def test_new_user_form_accepts_a_strong_password(users):
    client = _admin(users)
    reply = post_form(client, "/admin/nguoi-dung/them", "/admin/nguoi-dung/them",
                      username="canbo", role="analyst", unit_id="",
                      password=STRONG, confirm=STRONG)
    assert reply.status_code == 302


def test_password_reset_refuses_a_weak_password_and_the_users_own_name(users):
    client = _admin(users)
    uid = user_id(users, "phantich")
    edit = f"/admin/nguoi-dung/{uid}"
    for weak in ("password123", "phantich-2026"):
        reply = post_form(client, edit, f"{edit}/mat-khau", password=weak, confirm=weak)
        assert reply.status_code == 422 and TOO_EASY in reply.text
    english = post_form(client, edit + "?lang=en", f"{edit}/mat-khau?lang=en",
                        password="password123", confirm="password123")
    assert english.status_code == 422 and "too easy to guess" in english.text
    with users.app_context():
        user = db.session.get(User, uid)
        assert check_password_hash(user.password_hash, "mat-khau-rat-dai")  # unchanged


def test_create_user_refuses_a_weak_password(app):
    runner = app.test_cli_runner()
    weak = runner.invoke(args=["create-user", "noivu2", "--role", "admin", "--password-stdin"],
                         input="qwerty123456\n")
    assert weak.exit_code != 0 and TOO_EASY in weak.output
    ok = runner.invoke(args=["create-user", "noivu2", "--role", "admin", "--password-stdin"],
                       input=STRONG + "\n")
    assert ok.exit_code == 0, ok.output
