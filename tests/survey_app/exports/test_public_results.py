"""The public results page: opt-in units only, headline and interval only, no comments."""

from __future__ import annotations

from datetime import date

import sqlalchemy as sa

from analysis.figures.style import percent
from analysis.periods import default_period, period_bounds
from survey_app.extensions import db
from survey_app.models import AuditLog, Comment, Unit
from survey_app.public import results
from survey_app.reporting import ReportScope, compute_indices_sql
from survey_app.seed import demo
from survey_app.services.scoping import subtree_ids


def test_published_unit_shows_the_engines_headline(demo_app, monkeypatch):
    monkeypatch.setattr(results, "default_period", lambda _today: "2026-Q2")
    results._CACHE.clear()
    page = demo_app.test_client().get(f"/ket-qua/{demo.UNIT_USER_UNIT}")
    assert page.status_code == 200
    with demo_app.app_context():
        unit = db.session.scalar(sa.select(Unit).filter_by(code=demo.UNIT_USER_UNIT))
        table = compute_indices_sql(ReportScope(*period_bounds("2026-Q2"),
                                                unit_ids=tuple(subtree_ids([unit.id]))))
        texts = db.session.scalars(sa.select(Comment.text)).all()
    row = table[table["level"] == "overall"].iloc[0]
    assert percent(row["estimate"]) in page.text
    assert f"từ {percent(row['ci_low'])} đến {percent(row['ci_high'])}" in page.text
    assert "UBND xã Xuân An" in page.text
    assert not any(t in page.text for t in texts)  # no comments
    assert "UBND xã Xuân Bình" not in page.text  # a predecessor, not published
    assert "UBND xã Thành Lộc" not in page.text
    assert '<meta name="viewport"' in page.text


def test_units_that_do_not_publish_are_404(demo_app):
    client = demo_app.test_client()
    assert client.get(f"/ket-qua/{demo.OTHER_COMMUNE}").status_code == 404  # not published
    assert client.get("/ket-qua/NOPE").status_code == 404
    assert client.get("/ket-qua/" + "x" * 500).status_code == 404


def test_page_without_data_says_so(demo_app, monkeypatch):
    monkeypatch.setattr(results, "default_period", lambda _today: "2019-Q2")
    results._CACHE.clear()
    page = demo_app.test_client().get(f"/ket-qua/{demo.PROVINCE}")
    assert page.status_code == 200 and "Chưa có kết quả cho kỳ này." in page.text
    assert default_period(date(2026, 11, 21)) == "2026-Q3"


def test_viewing_is_not_an_export(demo_app):
    demo_app.test_client().get(f"/ket-qua/{demo.UNIT_USER_UNIT}")
    with demo_app.app_context():
        assert db.session.scalar(sa.select(sa.func.count(AuditLog.id))
                                 .where(AuditLog.action.like("export%"))) == 0
