"""The home page links each published unit to its results page, and the results page
names periods in the visitor's language whoever came first (it was cached in the first
visitor's: a Vietnamese visitor saw "Quarter III 2026")."""

from __future__ import annotations

import sqlalchemy as sa

from survey_app.extensions import db
from survey_app.models import Unit
from survey_app.public import results
from survey_app.seed import demo


def test_home_links_every_published_unit(demo_app):
    with demo_app.app_context():
        published = list(db.session.scalars(sa.select(Unit).where(
            Unit.publish_results.is_(True), Unit.active.is_(True))))
    assert published
    page = demo_app.test_client().get("/").text
    for unit in published:
        assert f'<a href="/ket-qua/{unit.code}">{unit.name_vi}</a>' in page
        assert demo_app.test_client().get(f"/ket-qua/{unit.code}").status_code == 200


def test_results_period_names_follow_each_visitor(demo_app):
    results._CACHE.clear()
    code = demo.MERGED_COMMUNE  # published, with results in every quarter shown
    english = demo_app.test_client().get(f"/ket-qua/{code}?lang=en").text  # fills the cache
    vietnamese = demo_app.test_client().get(f"/ket-qua/{code}").text
    assert "Quarter" in english and "Quý" not in english
    assert "Quý" in vietnamese and "Quarter" not in vietnamese
