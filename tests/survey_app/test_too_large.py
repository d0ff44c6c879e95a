"""A body over MAX_CONTENT_LENGTH is a 413 page in the user's language, or JSON under
/api/ — never a bare 500 (issue 11, item 11).

The error page draws the language link, which read the posted form again and raised the
same 413 inside the error handler; in production that was the server's bare 500 with
tracebacks in the log. The apps here run as in production: exceptions are not propagated
to the test, so a crash shows as a 500 and a logged error.
"""

from __future__ import annotations

import logging

import pytest

from tests.conftest import StaffAuth, csrf_from
from tests.survey_app.admin.conftest import PASSWORD, build_world
from tests.survey_app.factories import make_world

TOO_BIG = 9 * 1024 * 1024  # MAX_CONTENT_LENGTH is 8 MB


@pytest.fixture
def live_app(app):
    app.config.update(TESTING=False, PROPAGATE_EXCEPTIONS=False)
    return app


BOUNDARY = "sipas-test-boundary"


def _multipart(csrf: str, content: bytes) -> bytes:
    """A file upload as bytes (werkzeug's test builder spools a big one to a temporary
    file that is left open when the app refuses to read it)."""
    return (f"--{BOUNDARY}\r\nContent-Disposition: form-data; name=\"csrf_token\"\r\n\r\n"
            f"{csrf}\r\n--{BOUNDARY}\r\nContent-Disposition: form-data; name=\"file\"; "
            f"filename=\"units.csv\"\r\nContent-Type: text/csv\r\n\r\n").encode() + content \
        + f"\r\n--{BOUNDARY}--\r\n".encode()


def _no_error_logged(caplog) -> None:
    assert [r.getMessage() for r in caplog.records if r.levelno >= logging.ERROR] == []


@pytest.mark.parametrize("lang, title", [("", "Dữ liệu quá lớn"), ("?lang=en", "Too much data")])
def test_a_huge_login_form_is_a_413_page(live_app, caplog, lang, title):
    client = live_app.test_client()
    with caplog.at_level(logging.ERROR):
        reply = client.post("/dang-nhap" + lang, data={"username": "x" * TOO_BIG,
                                                       "password": "y"})
    assert reply.status_code == 413 and reply.mimetype == "text/html"
    assert title in reply.text
    _no_error_logged(caplog)


def test_a_huge_survey_answer_is_a_413_page(live_app, caplog):
    world = make_world(live_app)
    client = live_app.test_client()
    with caplog.at_level(logging.ERROR):
        reply = client.post(f"/s/{world.short_slug}", data={"comment": "x" * TOO_BIG})
    assert reply.status_code == 413 and "Dữ liệu quá lớn" in reply.text
    _no_error_logged(caplog)


def test_a_huge_admin_import_is_a_413_page(live_app, caplog):
    build_world(live_app)
    client = live_app.test_client()
    assert StaffAuth(client).login("quantri", PASSWORD).status_code == 302
    page = client.get("/admin/nhap/don-vi")
    body = _multipart(csrf_from(page.text), b"x" * TOO_BIG)
    with caplog.at_level(logging.ERROR):
        reply = client.post("/admin/nhap/don-vi?lang=en", data=body,
                            content_type=f"multipart/form-data; boundary={BOUNDARY}")
    assert reply.status_code == 413 and "Too much data" in reply.text
    _no_error_logged(caplog)


def test_a_huge_api_body_is_json(live_app, caplog):
    from survey_app.extensions import db
    from survey_app.models import Unit
    from survey_app.services.credentials import issue_unit_key

    world = make_world(live_app)
    with live_app.app_context():
        key = issue_unit_key(db.session.get(Unit, world.unit_id))
    client = live_app.test_client()
    with caplog.at_level(logging.ERROR):
        reply = client.post("/api/v1/receipt-links", data=b"{" + b" " * TOO_BIG + b"}",
                            content_type="application/json",
                            headers={"Authorization": f"Bearer {key}"})
    assert reply.status_code == 413 and reply.json["status"] == 413
    _no_error_logged(caplog)
