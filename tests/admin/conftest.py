"""Fixtures of the admin tests: a small unit tree, a counter, flagged responses, pending
comments, and a logged-in client per role (through the real login form)."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import UTC, datetime

import pytest
import sqlalchemy as sa

from survey_app.extensions import db
from survey_app.models import (
    AuditLog,
    Comment,
    Counter,
    Field,
    InstrumentVersion,
    Response,
    Unit,
    User,
)
from tests.conftest import StaffAuth, add_user, csrf_from

PASSWORD = "mat-khau-rat-dai"


@dataclass
class AdminWorld:
    province: int
    district: int
    commune: int
    counter: int
    flagged: list[int]
    comments: list[int]
    admin_id: int


def build_world(app) -> AdminWorld:
    with app.app_context():
        iv = db.session.scalar(sa.select(InstrumentVersion).filter_by(code="counter-2018"))
        land = db.session.scalar(sa.select(Field).filter_by(code="dat-dai"))
        province = Unit(code="T-HT", name_vi="UBND tỉnh Hà Tĩnh", kind="tinh", level="tinh")
        district = Unit(code="H-CL", name_vi="UBND huyện Can Lộc", kind="huyen", level="huyen",
                        parent=province)
        commune = Unit(code="X-TL", name_vi="UBND xã Tùng Lộc", kind="xa", level="xa",
                       parent=district)
        counter = Counter(unit=commune, code="MC", name_vi="Bộ phận Một cửa",
                          instrument_version=iv)
        db.session.add_all([province, district, commune, counter])
        db.session.flush()
        flagged, comments = [], []
        for i in range(3):
            r = Response(instrument_version_id=iv.id, counter_id=counter.id, unit_id=commune.id,
                         field_id=land.id, channel="counter_qr", submission_key=f"k{i}",
                         submitted_at=datetime(2026, 3, 1, 8, i, tzinfo=UTC),
                         status="flagged" if i < 2 else "valid",
                         status_reason="quá nhanh" if i < 2 else None)
            db.session.add(r)
            db.session.flush()
            if i < 2:
                flagged.append(r.id)
            db.session.add(Comment(response_id=r.id, text=f"<b>Góp ý {i}</b> <script>x</script>"))
            comments.append(r.id)
        db.session.commit()
        ids = (province.id, district.id, commune.id, counter.id)
    add_user(app, "quantri", "admin", password=PASSWORD)
    with app.app_context():
        admin_id = db.session.scalar(sa.select(User.id).filter_by(username="quantri"))
    return AdminWorld(*ids, flagged, comments, admin_id)


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
