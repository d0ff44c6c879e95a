"""A unit's API key can neither use up another unit's dossiers nor mint links without end;
keys are issued, rotated and revoked in the admin, audited like every change (issue 11)."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
import sqlalchemy as sa

from survey_app.extensions import db
from survey_app.models import (
    AuditLog,
    Counter,
    DossierVolume,
    Field,
    InstrumentVersion,
    ReceiptLinkCount,
    Unit,
)
from tests.conftest import StaffAuth, add_user, csrf_from
from tests.survey_app.factories import count_responses, fill_short

DOSSIER = "000.00.17.H01-250101-0042"


@pytest.fixture
def keys(app, world):  # noqa: ARG001 - the world must exist first
    """X-TEST (the world's unit) and a second commune X-KHAC, each with a key and counter MC."""
    with app.app_context():
        iv = db.session.scalar(sa.select(InstrumentVersion).filter_by(code="counter-2018"))
        other = Unit(code="X-KHAC", name_vi="UBND xã Khác", kind="xa", level="xa")
        db.session.add_all([other, Counter(unit=other, code="MC", name_vi="Một cửa",
                                           instrument_version=iv)])
        db.session.commit()
    runner = app.test_cli_runner()
    out = {}
    for code in ("X-TEST", "X-KHAC"):
        result = runner.invoke(args=["api-key", "issue", "--unit", code])
        assert result.exit_code == 0, result.output
        out[code] = result.stdout.strip().splitlines()[0]
    return out


def ask(client, key, dossier=DOSSIER, counter="MC"):
    return client.post("/api/v1/receipt-links", json={"dossier_code": dossier, "counter": counter},
                       headers={"Authorization": f"Bearer {key}"})


def _answer(app, url):
    client = app.test_client()
    path = url.removeprefix("http://localhost")
    slug, query = path.removeprefix("/s/").split("?", 1)
    return fill_short(client, slug, "?" + query)[1]


def test_another_units_key_cannot_use_up_a_dossier(app, keys):
    client = app.test_client()
    theirs = ask(client, keys["X-KHAC"]).json["url"]  # X-KHAC invents X-TEST's dossier code
    ours = ask(client, keys["X-TEST"]).json["url"]
    assert _answer(app, theirs).status_code == 303
    reply = _answer(app, ours)  # X-TEST's own link still works
    assert reply.status_code == 303, reply.text[:300]
    assert count_responses(app) == 2
    again = app.test_client().get(ours.removeprefix("http://localhost"))
    assert again.status_code == 409  # and is still one response per dossier of the unit


def test_links_per_day_have_a_quota_per_key(app, keys):
    app.config["RECEIPT_LINKS_PER_DAY"] = 3
    client = app.test_client()
    statuses = [ask(client, keys["X-TEST"], dossier=f"HS-{i}").status_code for i in range(4)]
    assert statuses == [201, 201, 201, 429]
    refused = ask(client, keys["X-TEST"], dossier="HS-9")
    assert refused.status_code == 429 and refused.is_json
    assert "3 receipt links" in refused.json["message"] and refused.headers["Retry-After"]
    assert ask(client, keys["X-KHAC"], dossier="HS-1").status_code == 201  # per unit
    with app.app_context():
        counts = dict(db.session.execute(sa.select(Unit.code, ReceiptLinkCount.issued)
                                         .join(Unit, Unit.id == ReceiptLinkCount.unit_id)).all())
    assert counts == {"X-TEST": 3, "X-KHAC": 1}  # refused links are not counted


def _admin(app):
    add_user(app, "quantri", "admin")
    client = app.test_client()
    assert StaffAuth(client).login("quantri", "mat-khau-rat-dai").status_code == 302
    return client


def _post(client, unit_id: int, path: str = ""):
    page = client.get(f"/admin/don-vi/{unit_id}")
    return client.post(f"/admin/don-vi/{unit_id}/khoa-api{path}",
                       data={"csrf_token": csrf_from(page.text)})


def _key_actions(app) -> list[tuple]:
    with app.app_context():
        return [(e.action, e.username, (e.detail or {}).get("via")) for e in db.session.scalars(
            sa.select(AuditLog).where(AuditLog.action.like("unit.api_key%"))
            .order_by(AuditLog.id))]


def test_admin_issues_rotates_and_revokes_keys_with_the_audit_log(app, world):
    admin, api = _admin(app), app.test_client()
    page = admin.get(f"/admin/don-vi/{world.unit_id}").text
    assert "Đơn vị chưa có khóa API" in page and "Cấp khóa API" in page
    shown = _post(admin, world.unit_id)
    assert shown.status_code == 200 and shown.headers["Cache-Control"] == "no-store"
    first = shown.text.split('class="token" readonly value="')[1].split('"')[0]
    assert ask(api, first).status_code == 201
    assert "Đổi khóa mới" in admin.get(f"/admin/don-vi/{world.unit_id}").text
    second = _post(admin, world.unit_id).text.split('readonly value="')[1].split('"')[0]
    assert ask(api, first).status_code == 401 and ask(api, second).status_code == 201
    assert _post(admin, world.unit_id, "/thu-hoi").status_code == 302
    assert ask(api, second).status_code == 401
    assert _key_actions(app) == [("unit.api_key_issue", "quantri", None),
                                 ("unit.api_key_rotate", "quantri", None),
                                 ("unit.api_key_revoke", "quantri", None)]


@pytest.mark.usefixtures("world")
def test_cli_key_changes_are_audited(app):
    runner = app.test_cli_runner()
    for command in ("issue", "rotate", "revoke"):
        assert runner.invoke(args=["api-key", command, "--unit", "X-TEST"]).exit_code == 0
    assert _key_actions(app) == [("unit.api_key_issue", None, "cli"),
                                 ("unit.api_key_rotate", None, "cli"),
                                 ("unit.api_key_revoke", None, "cli")]


def test_admin_page_sets_links_against_dossier_volumes(app, keys, world):
    client = app.test_client()
    for i in range(3):
        assert ask(client, keys["X-TEST"], dossier=f"HS-{i}").status_code == 201
    today = date.today()
    with app.app_context():
        field = db.session.scalar(sa.select(Field).filter_by(code="dat-dai"))
        db.session.add(DossierVolume(unit_id=world.unit_id, field_id=field.id, period="kỳ-này",
                                     period_start=today - timedelta(days=5),
                                     period_end=today + timedelta(days=5), received=2))
        db.session.commit()
    page = _admin(app).get(f"/admin/don-vi/{world.unit_id}").text
    section = page.split("Đường dẫn đã cấp so với số hồ sơ tiếp nhận")[1]
    assert "kỳ-này" in section and "vượt số hồ sơ" in section
    assert "30 ngày qua: 3 đường dẫn" in section
