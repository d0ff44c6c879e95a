"""A logged-in staff member gets the 503 page during a database outage, like a citizen
(issue 11, item 12): the user loader's query fails too, and that was a bare 500."""

from __future__ import annotations

import pytest

from tests.conftest import make_app
from tests.survey_app.auth.conftest import cookies, login

DOWN = "postgresql+psycopg://postgres@127.0.0.1:9/test"  # nothing listens on port 9


@pytest.mark.parametrize("path", ["/bang-dieu-khien", "/admin/nguoi-dung", "/dang-nhap"])
def test_logged_in_staff_get_the_503_page_when_the_database_is_down(users, path):
    client = users.test_client()
    login(client, "quantri", remember=True)
    stolen = cookies(client)
    down = make_app(DOWN, SQLALCHEMY_ENGINE_OPTIONS={
        "pool_pre_ping": True, "connect_args": {"connect_timeout": 2}})
    browser = down.test_client()
    for name, value in stolen.items():
        browser.set_cookie(name, value)
    page = browser.get(path)
    assert page.status_code == 503 and "Hệ thống tạm thời gián đoạn" in page.text
    assert page.headers["Retry-After"] == "30"
