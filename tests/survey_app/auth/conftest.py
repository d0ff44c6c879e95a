"""Fixtures of the staff-login tests: users, and a login helper that can tick
"Ghi nhớ đăng nhập" (remember me) and hand back the cookies a thief would copy."""

from __future__ import annotations

import pytest
import sqlalchemy as sa

from survey_app.extensions import db
from survey_app.models import User
from tests.conftest import add_user, csrf_from

PASSWORD = "mat-khau-rat-dai"


@pytest.fixture
def users(app):
    add_user(app, "quantri", "admin")
    add_user(app, "phantich", "analyst")
    return app


def login(client, username: str, password: str = PASSWORD, remember: bool = False):
    page = client.get("/dang-nhap")
    data = {"csrf_token": csrf_from(page.text), "username": username, "password": password}
    if remember:
        data["remember"] = "y"
    return client.post("/dang-nhap", data=data)


def cookies(client) -> dict[str, str]:
    return {name: client.get_cookie(name).value for name in ("session", "remember_token")
            if client.get_cookie(name) is not None}


def replay(app, stolen: dict[str, str], only: str | None = None):
    """A fresh browser holding copies of the given cookies; GET the dashboard."""
    thief = app.test_client()
    for name, value in stolen.items():
        if only is None or name == only:
            thief.set_cookie(name, value)
    return thief.get("/bang-dieu-khien")


def user_id(app, username: str) -> int:
    with app.app_context():
        return db.session.scalar(sa.select(User.id).filter_by(username=username))


def post_form(client, page_url: str, action_url: str, **data):
    page = client.get(page_url)
    return client.post(action_url, data={"csrf_token": csrf_from(page.text), **data})
