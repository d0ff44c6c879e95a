"""Fields of procedures have validity dates, and the admin says a field is not a
department: the list shows which agencies decided a field's dossiers."""

from __future__ import annotations

from datetime import date

import pytest
import sqlalchemy as sa

from survey_app.extensions import db
from survey_app.models import AuditLog, Field
from survey_app.services.submission import active_field, selectable_fields
from tests.conftest import StaffAuth
from tests.survey_app.admin.conftest import submit

FORM = {"code": "giao-thong", "name_vi": "Giao thông vận tải", "name_en": "Transport",
        "sort_order": "80", "active": "y", "valid_from": "", "valid_to": ""}


def _field(app, code: str) -> Field:
    with app.app_context():
        field = db.session.scalar(sa.select(Field).filter_by(code=code))
        db.session.expunge(field)
        return field


@pytest.mark.usefixtures("world", "admin")
def test_ending_a_field_keeps_it_and_stops_offering_it(app, client):
    field = _field(app, "giao-thong")
    with app.app_context():  # a database of before 0007 keeps its fields open
        db.session.get(Field, field.id).valid_to = None
        db.session.commit()
        assert active_field("giao-thong") is not None
    reply = submit(client, f"/admin/linh-vuc/{field.id}", {**FORM, "valid_to": "01/03/2025"})
    assert reply.status_code == 302
    ended = _field(app, "giao-thong")
    assert (ended.valid_from, ended.valid_to, ended.active) == (None, date(2025, 3, 1), True)
    with app.app_context():
        assert active_field("giao-thong") is None  # no longer on forms and receipt links
        assert "giao-thong" not in {f.code for f in selectable_fields()}
        entry = db.session.scalar(sa.select(AuditLog).order_by(AuditLog.id.desc()))
        assert entry.action == "field.update" and "valid_to" in str(entry.detail)
    page = client.get("/admin/linh-vuc").text
    assert "Đã thôi từ 01/03/2025" in page


@pytest.mark.usefixtures("world", "admin")
@pytest.mark.parametrize("lang, text", [
    ("vi", "Ngày thôi có hiệu lực phải sau ngày bắt đầu hiệu lực."),
    ("en", "The end of validity must come after its start."),
])
def test_end_before_start_is_refused_and_nothing_changes(app, client, lang, text):
    field = _field(app, "giao-thong")
    reply = submit(client, f"/admin/linh-vuc/{field.id}?lang={lang}",
                   {**FORM, "valid_from": "2025-06-01", "valid_to": "2025-03-01"})
    assert reply.status_code == 422 and text in reply.text
    again = _field(app, "giao-thong")
    assert (again.valid_from, again.valid_to) == (field.valid_from, field.valid_to)
    bad = submit(client, f"/admin/linh-vuc/{field.id}?lang={lang}",
                 {**FORM, "valid_to": "31/02/2025"})
    assert bad.status_code == 422


def test_catalogue_ships_ended_fields_with_their_successors(app):
    with app.app_context():
        fields = {f.code: f for f in db.session.scalars(sa.select(Field))}
    for old, new in (("lao-dong", "lao-dong-viec-lam"), ("giao-thong", "duong-bo"),
                     ("tai-nguyen-moi-truong", "moi-truong"), ("nong-nghiep", "trong-trot")):
        assert fields[old].valid_to == date(2025, 3, 1) == fields[new].valid_from
    assert fields["dat-dai"].valid_on(date(2026, 12, 1)) and "thue" in fields


@pytest.mark.parametrize("lang, words", [
    ("vi", ["không phải một cơ quan", "Cơ quan giải quyết"]),
    ("en", ["not an agency", "Deciding agencies"]),
])
def test_field_list_says_a_field_is_not_a_department_and_shows_the_deciders(demo_app, lang,
                                                                           words):
    client = demo_app.test_client()
    assert StaffAuth(client).login("admin", "demo-admin").status_code == 302
    page = client.get(f"/admin/linh-vuc?lang={lang}").text
    assert all(w in page for w in words)
    land_row = next(row for row in page.split("<tr") if "<code>dat-dai</code>" in row)
    # land is decided by the communes and by Sở Nông nghiệp và Môi trường in the demo
    assert "Sở Nông nghiệp và Môi trường" in land_row and "UBND xã Xuân An" in land_row
