"""Disclosure rules of docs/privacy.md: no row-level data for the evaluated unit, rows in a
random order, sensitive items kept from units, comments shown to a unit dated by month."""

from __future__ import annotations

import csv
import io
import re
from collections import Counter

import pytest
import sqlalchemy as sa

from survey_app.exports import responses as resp
from survey_app.extensions import db
from survey_app.models import AuditLog, Comment, Field, Response, Unit
from survey_app.reporting import ReportScope
from survey_app.reporting.indices import VIETNAM, response_filters
from survey_app.seed import demo
from survey_app.services.disclosure import SENSITIVE_ITEMS

PERIOD = "2026-Y"


def _rows(response) -> list[dict]:
    assert response.status_code == 200
    return list(csv.DictReader(io.StringIO(response.get_data(as_text=True).lstrip("\ufeff"))))


def _id_order(app) -> list[tuple]:
    with app.app_context():
        return [(u, at.astimezone(VIETNAM).date().isoformat(), f) for u, at, f in
                db.session.execute(sa.select(Unit.code, Response.submitted_at, Field.code)
                                   .join(Unit, Unit.id == Response.unit_id)
                                   .join(Field, Field.id == Response.field_id)
                                   .where(*response_filters(ReportScope.for_period(PERIOD)))
                                   .order_by(Response.id))]


def test_unit_user_gets_no_rows_and_is_pointed_to_the_index_tables(demo_app, login):
    client = login("xuanan")
    for ext in ("csv", "xlsx"):
        response = client.get(f"/xuat/phieu.{ext}?ky={PERIOD}")
        assert response.status_code == 403
        text = response.get_data(as_text=True)
        assert "chỉ dành cho Sở Nội vụ" in text and "/xuat/chi-so.csv" in text
        assert demo.UNIT_USER_UNIT not in text and demo.UNIT_USER_CENTRE not in text
    english = client.get(f"/xuat/phieu.csv?ky={PERIOD}&lang=en").get_data(as_text=True)
    assert "Department of Home Affairs" in english
    with demo_app.app_context():  # nothing was handed out, so nothing to audit as sent
        assert not db.session.scalar(sa.select(sa.func.count(AuditLog.id))
                                     .where(AuditLog.action == "export.responses"))


@pytest.mark.usefixtures("demo_app")
def test_unique_rows_reach_no_unit(login):
    """The attack of issue 11: rows unique on (date, field) at the unit's commune."""
    response = login("xuanan").get(f"/xuat/phieu.csv?ky={PERIOD}")
    assert response.status_code == 403 and "date" not in response.get_data(as_text=True)


def test_analyst_rows_are_shuffled_and_complete(demo_app, login):
    client = login("phantich")
    stored = _id_order(demo_app)
    first, second = (_rows(client.get(f"/xuat/phieu.csv?ky={PERIOD}")) for _ in range(2))
    keys = [[(r["unit_code"], r["date"], r["field_code"]) for r in rows]
            for rows in (first, second)]
    assert Counter(keys[0]) == Counter(keys[1]) == Counter(stored)
    assert keys[0] != stored and keys[1] != stored  # not in submission order
    assert keys[0] != keys[1]  # a fresh order for every download
    assert [int(r["row"]) for r in first] == list(range(1, len(first) + 1))
    assert all(re.fullmatch(r"\d{4}-\d\d-\d\d", r["date"]) for r in first)  # days, no times
    assert set(first[0]) >= SENSITIVE_ITEMS  # Nội vụ keeps the sensitive items


def test_sensitive_items_are_left_out_unless_asked_for(demo_app):
    with demo_app.app_context():
        scope = ReportScope.for_period(PERIOD)
        assert not SENSITIVE_ITEMS & set(resp.layout(scope).columns)
        assert set(resp.layout(scope, sensitive=True).columns) >= SENSITIVE_ITEMS


def test_dashboard_of_a_unit_offers_no_rows_and_dates_comments_by_month(demo_app, login):
    with demo_app.app_context():
        approved = db.session.scalar(
            sa.select(sa.func.count(Comment.response_id)).join(Response)
            .join(Unit, Unit.id == Response.unit_id)
            .where(Comment.status == "approved", Unit.code == demo.UNIT_USER_CENTRE,
                   *response_filters(ReportScope.for_period(PERIOD))))
    assert approved  # the demo has comments to show
    page = login("xuanan").get(f"/bang-dieu-khien?ky={PERIOD}").get_data(as_text=True)
    assert "/xuat/phieu." not in page
    comments = re.findall(r'<li class="comment">(.*?)</li>', page, re.S)
    assert comments
    for item in comments:
        assert not re.search(r"\d\d/\d\d/\d{4}", item), item
        assert re.search(r"tháng \d\d/\d{4}", item), item
