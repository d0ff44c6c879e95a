"""The unit form knows the two-tier structure: official codes, validity dates, today's
kinds, and districts only as history."""

from __future__ import annotations

from datetime import date

import pytest
import sqlalchemy as sa

from survey_app.extensions import db
from survey_app.models import AuditLog, Unit, UnitLineage
from tests.conftest import csrf_from
from tests.survey_app.admin.conftest import submit

NEW = {"code": "P-HCC", "name_vi": "Trung tâm PVHCC phường Mới", "name_en": "",
       "kind": "hcc_xa", "level": "xa", "parent_id": "", "admin_code": "",
       "valid_from": "", "valid_to": ""}


def units(app) -> dict[str, tuple]:
    with app.app_context():
        return {u.code: (u.kind, u.admin_code, u.valid_from, u.valid_to)
                for u in db.session.scalars(sa.select(Unit))}


@pytest.mark.usefixtures("world", "admin")
def test_today_kind_with_official_code_and_dates_is_stored_and_audited(app, client):
    reply = submit(client, "/admin/don-vi/them", {**NEW, "admin_code": "30001",
                                                  "valid_from": "01/07/2025"})
    assert reply.status_code == 302
    assert units(app)["P-HCC"] == ("hcc_xa", "30001", date(2025, 7, 1), None)
    with app.app_context():
        entry = db.session.scalar(sa.select(AuditLog).order_by(AuditLog.id.desc()))
        assert entry.detail["valid_from"] == "2025-07-01"
    page = client.get("/admin/don-vi")
    assert "Trung tâm Phục vụ hành chính công cấp xã" in page.text and "2025-07-01" in page.text


@pytest.mark.usefixtures("world", "admin")
def test_district_only_as_history(app, client):
    before = units(app)
    district = {**NEW, "code": "H-MOI", "kind": "huyen", "level": "huyen"}
    for valid_to in ("", "2026-01-01"):
        refused = submit(client, "/admin/don-vi/them", {**district, "valid_to": valid_to})
        assert refused.status_code == 422 and "Cấp huyện đã bỏ từ ngày 01/07/2025" in refused.text
    office = submit(client, "/admin/don-vi/them", {**NEW, "code": "P-TP", "kind": "phong",
                                                   "level": "huyen"})
    assert office.status_code == 422
    assert units(app) == before
    english = submit(client, "/admin/don-vi/them?lang=en", district)
    assert english.status_code == 422 and "The district level was abolished" in english.text
    ok = submit(client, "/admin/don-vi/them", {**district, "valid_to": "2025-07-01"})
    assert ok.status_code == 302 and units(app)["H-MOI"][3] == date(2025, 7, 1)


@pytest.mark.usefixtures("world", "admin")
def test_bad_dates_and_taken_official_code_are_refused(app, client):
    submit(client, "/admin/don-vi/them", {**NEW, "admin_code": "30001"})
    before = units(app)
    for data, message in (
            ({"valid_from": "31/02/2025"}, "Ngày không hợp lệ"),
            ({"valid_from": "2025-07-01", "valid_to": "2025-01-01"}, "phải sau ngày bắt đầu"),
            ({"admin_code": "30001"}, "đã là của đơn vị P-HCC")):
        refused = submit(client, "/admin/don-vi/them", {**NEW, "code": "P-X", **data})
        assert refused.status_code == 422
        assert message in refused.text.replace("&#34;", '"'), message
    assert units(app) == before


@pytest.mark.usefixtures("world", "admin")
def test_unit_in_a_lineage_is_not_deleted(app, client):
    submit(client, "/admin/don-vi/them", NEW)
    submit(client, "/admin/don-vi/them", {**NEW, "code": "P-OLD", "kind": "xa"})
    with app.app_context():
        ids = {u.code: u.id for u in db.session.scalars(sa.select(Unit))}
        db.session.add(UnitLineage(predecessor_id=ids["P-OLD"], successor_id=ids["P-HCC"],
                                   effective_date=date(2026, 1, 1), change="rename"))
        db.session.commit()
    page = client.get(f"/admin/don-vi/{ids['P-OLD']}")
    refused = client.post(f"/admin/don-vi/{ids['P-OLD']}/xoa",
                          data={"csrf_token": csrf_from(page.text)})
    assert refused.status_code == 409 and "phả hệ" in refused.text
    assert "P-OLD" in units(app)
