"""Fixtures of the admin tests: a small unit tree, a counter, flagged responses, pending
comments, and a logged-in client per role (through the real login form)."""

from __future__ import annotations

import re

import pytest
import sqlalchemy as sa

from survey_app.extensions import db
from survey_app.models import AuditLog
from tests.conftest import StaffAuth, add_user, csrf_from
from tests.factories import PASSWORD, AdminWorld, make_admin_world

build_world = make_admin_world  # the name the admin and hostile tests import


@pytest.fixture
def world(app) -> AdminWorld:
    return build_world(app)


@pytest.fixture
def admin(client, world) -> StaffAuth:  # noqa: ARG001 - world holds the admin
    auth = StaffAuth(client)
    assert auth.login("quantri", PASSWORD).status_code == 302
    return auth


def login_as(app, client, role: str) -> None:
    name = f"nguoi-{role}"
    add_user(app, name, role, unit_code="X-TL" if role == "unit" else None, password=PASSWORD)
    assert StaffAuth(client).login(name, PASSWORD).status_code == 302


def submit(client, page_url: str, data: dict, *, form_action: str | None = None,
           files: dict | None = None, follow: bool = False):
    """Fill in the form of `page_url` (its CSRF token) and post it, like a browser."""
    page = client.get(page_url)
    assert page.status_code == 200, page.status_code
    body = {"csrf_token": csrf_from(page.text), **data}
    if files:
        body.update(files)
    return client.post(form_action or page_url, data=body, follow_redirects=follow,
                       content_type="multipart/form-data" if files else None)


def audit_actions(app) -> list[str]:
    with app.app_context():
        return list(db.session.scalars(sa.select(AuditLog.action).order_by(AuditLog.id)))


def hidden_value(page: str, name: str) -> str:
    match = re.search(rf'name="{name}"[^>]*value="([^"]*)"', page) or re.search(
        rf'id="{name}" name="{name}" type="hidden" value="([^"]*)"', page)
    assert match, f"no hidden {name}"
    return match.group(1)
