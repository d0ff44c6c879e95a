"""Dossier events from a file (issue 14, item 1), the unit's later-invitation share, and
the invitations page: preview, all or nothing, the contact never shown or kept in clear."""

from __future__ import annotations

from datetime import datetime

import pytest
import sqlalchemy as sa

from survey_app.extensions import db
from survey_app.models import DossierEvent, Invitation, Unit
from tests.conftest import StaffAuth
from tests.factories import PASSWORD
from tests.survey_app.admin.conftest import audit_actions, login_as, submit
from tests.survey_app.admin.test_imports import confirm, upload, xlsx
from tests.survey_app.outbox.helpers import tables_holding

HEADER = ("event,dossier_code,receiving_unit,channel,received_at,returned_at,field,"
          "deciding_agency,contact_email,contact_phone\n")
GOOD = (HEADER +
        "received,HS-F-1,X-TL,counter,2026-11-18 08:00,,dat-dai,,,\n"
        "returned,HS-F-1,X-TL,counter,2026-11-18 08:00,2026-11-20 16:30,dat-dai,,"
        "dan@example.vn,\n"
        "returned,HS-F-2,X-TL,online,,2026-11-20T10:00:00+07:00,,,,\n").encode()


def _later_everywhere(app) -> None:
    with app.app_context():
        db.session.scalar(sa.select(Unit).filter_by(code="X-TL")).invite_later_share = 1.0
        db.session.commit()


def _events(app) -> list[tuple]:
    with app.app_context():
        return [(e.event, e.channel, e.arm, e.source) for e in db.session.scalars(
            sa.select(DossierEvent).order_by(DossierEvent.id))]


@pytest.mark.usefixtures("admin")
def test_an_event_file_previews_masks_the_contact_then_applies_once(app, client):
    _later_everywhere(app)
    preview = upload(client, "su-kien-ho-so", GOOD)
    assert preview.status_code == 200, preview.text[:2000]
    assert "Mới: 3" in preview.text and "Lỗi: 0" in preview.text
    assert "dan@example.vn" not in preview.text  # masked in the table
    assert _events(app) == []  # a preview writes nothing
    assert confirm(client, "su-kien-ho-so", preview.text).status_code == 302
    assert _events(app) == [("received", "counter", None, "import"),
                            ("returned", "counter", "later", "import"),
                            ("returned", "online", "counter", "import")]
    with app.app_context():
        invitation = db.session.scalar(sa.select(Invitation))
        # 16:30 in Viet Nam is 09:30 UTC; due two hours later
        assert invitation.send_after.replace(tzinfo=None) == datetime(2026, 11, 20, 11, 30)
    assert tables_holding(app, "dan@example.vn") == [] and tables_holding(app, "HS-F") == []
    assert audit_actions(app).count("import.dossier_events") == 1
    again = upload(client, "su-kien-ho-so", GOOD)  # the same file: every row unchanged
    assert "Không đổi: 3" in again.text and "Mới: 0" in again.text


@pytest.mark.usefixtures("admin")
def test_one_bad_row_stores_nothing_and_each_error_says_why_in_vietnamese(app, client):
    bad = GOOD + (
        b"opened,HS-F-3,X-TL,counter,2026-11-18 08:00,,,,,\n"
        b"returned,HS-F-4,X-TL,fax,,2026-11-20 16:30,,,,\n"
        b"returned,HS-F-5,X-KHONG,counter,,2026-11-20 16:30,,,,\n"
        b"returned,HS-F-6,X-TL,counter,,2026-11-20 16:30,,,a@b.vn,0912345678\n"
        b"returned,HS-F-2,X-TL,online,,2026-11-20 10:00,,,,\n")  # again in the file
    preview = upload(client, "su-kien-ho-so", bad)
    assert preview.status_code == 422
    text = preview.text
    assert "Lỗi: 5" in text
    for expected in ("Dòng 5, cột event", "Dòng 6, cột channel", "Dòng 7, cột receiving_unit",
                     "Dòng 8, cột contact_phone / contact_email", "Dòng 9, cột dossier_code"):
        assert expected in text, expected
    assert "Xác nhận nhập" not in text
    assert _events(app) == []


@pytest.mark.usefixtures("admin")
def test_an_xlsx_with_excel_times_is_read_as_viet_nam_time(app, client):
    rows = [HEADER.strip().split(","),
            ["returned", "HS-X-1", "X-TL", "postal", None, datetime(2026, 11, 20, 16, 30),
             None, None, None, None]]
    preview = upload(client, "su-kien-ho-so", xlsx(rows), "su-kien.xlsx")
    assert preview.status_code == 200, preview.text[:1500]
    assert confirm(client, "su-kien-ho-so", preview.text).status_code == 302
    with app.app_context():
        event = db.session.scalar(sa.select(DossierEvent))
        assert event.returned_at.replace(tzinfo=None) == datetime(2026, 11, 20, 9, 30)


@pytest.mark.usefixtures("admin")
def test_the_admin_sets_a_units_later_share_as_a_percentage(app, client, world):
    page = f"/admin/don-vi/{world.commune}"
    base = {"code": "X-TL", "name_vi": "UBND xã Tùng Lộc", "kind": "xa", "level": "xa",
            "parent_id": str(world.district)}
    refused = submit(client, page, {**base, "invite_later_percent": "150"})
    assert refused.status_code == 422 and "từ 0 đến 100" in refused.text
    assert submit(client, page, {**base, "invite_later_percent": "12,5"}).status_code == 302
    with app.app_context():
        assert db.session.get(Unit, world.commune).invite_later_share == pytest.approx(0.125)
    assert "unit.update" in audit_actions(app)
    assert 'value="12.5"' in client.get(page).text


@pytest.mark.usefixtures("world")
def test_the_invitations_page_shows_failures_without_contacts(app, client):
    from tests.survey_app.outbox.helpers import RETURNED

    _later_everywhere(app)
    with app.app_context():
        from survey_app.services.contacts import email_contact
        from survey_app.services.dossier_events import check_event, record_event

        checked = check_event({"event": "returned", "dossier_code": "HS-P-1",
                               "receiving_unit": "X-TL", "channel": "counter",
                               "returned_at": RETURNED.isoformat(),
                               "contact": {"email": "p1@example.vn"}}, None)
        assert checked.contact == email_contact("p1@example.vn")
        invitation = record_event(checked, "api").event.invitation
        invitation.attempts, invitation.last_error = 2, "email: SMTP 451"
        db.session.commit()
    login_as(app, client, "unit")
    assert client.get("/admin/loi-moi").status_code == 403
    admin = app.test_client()
    assert StaffAuth(admin).login("quantri", PASSWORD).status_code == 302
    page = admin.get("/admin/loi-moi")
    assert page.status_code == 200
    assert "email: SMTP 451" in page.text and "UBND xã Tùng Lộc" in page.text
    assert "p1@example.vn" not in page.text
