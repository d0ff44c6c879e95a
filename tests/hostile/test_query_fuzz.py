"""Random query strings on every GET page of the app, enumerated from the URL map.

An admin (who may open every page) and a unit reviewer (whose scope is narrowest) ask
each page with random values for every query parameter the app reads, and some it
does not: the answer is never a 5xx, never unescaped markup, and nothing stored
changes but the audit log (exports and reports record who downloaded what).
"""

from __future__ import annotations

import re

import pytest
import sqlalchemy as sa
from hypothesis import given
from hypothesis import strategies as st

from survey_app.extensions import db
from survey_app.models import Counter
from tests.conftest import StaffAuth, add_user
from tests.hostile.conftest import FUZZ, form_body, nasty_text, table_rows
from tests.survey_app.admin.conftest import PASSWORD, build_world

# Every query parameter a view reads (grep request.args), plus a stranger.
PARAMS = ["ky", "don_vi", "linh_vuc", "pp", "sap_xep", "page", "unit", "nam", "status", "user",
          "action", "object_type", "object_id", "from", "to", "size", "lang", "next", "d",
          "period", "by", "level", "method", "field", "vai", "role", "ngay", "as_of", "khac"]
values = st.one_of(
    nasty_text,
    st.dates().map(str),
    st.integers(-2**70, 2**70).map(str),
    st.sampled_from(["2026-Q1", "2026-H1", "9999-Y", "0001-CY", "2026-M13", "1", "3", "A4",
                     "a5", "A0", "vi", "en", "logit", "wilson", "beta", "unit", "field",
                     "unit,field", "all", "item", "approved", "hidden", "X-TL", "dat-dai",
                     "estimate", "change", "login", "unit.update", "tiep-nhan", "giai-quyet",
                     "receiving", "deciding"]),
)
SKIPPED = {"static"}  # werkzeug's file server, not ours


def get_rules(app):
    return sorted((r for r in app.url_map.iter_rules()
                   if "GET" in r.methods and r.endpoint not in SKIPPED), key=lambda r: r.rule)


def sample_path(rule, slug: str) -> str:
    samples = {"slug": "don-vi" if rule.rule.startswith("/admin/nhap") else slug,
               "code": "X-TL", "kind": "don-vi", "ext": "csv"}

    def value(match: re.Match) -> str:
        return "1" if match.group(1) == "int" else samples.get(match.group(2), "x")
    return re.sub(r"<(?:(\w+)(?:\([^)]*\))?:)?(\w+)>", value, rule.rule)


@pytest.fixture
def clients(app):
    build_world(app)
    add_user(app, "can-bo", "unit", unit_code="X-TL", password=PASSWORD)
    admin, reviewer = app.test_client(), app.test_client()
    assert StaffAuth(admin).login("quantri", PASSWORD).status_code == 302
    assert StaffAuth(reviewer).login("can-bo", PASSWORD).status_code == 302
    with app.app_context():
        slug = db.session.scalar(sa.select(Counter.slug))
    paths = [sample_path(rule, slug) for rule in get_rules(app)]
    return {"admin": admin, "unit": reviewer}, paths


def test_every_get_page_is_reached(clients):
    """The fuzz below covers the whole map: public, staff, admin, exports, API."""
    _clients, paths = clients
    assert len(paths) >= 40
    assert {"/", "/bang-dieu-khien", "/admin/nhat-ky", "/xuat/phieu.csv", "/bao-cao",
            "/api/v1/indices"} <= set(paths)


@FUZZ
@given(which=st.integers(0, 10_000), role=st.sampled_from(["admin", "unit"]),
       params=st.lists(st.tuples(st.sampled_from(PARAMS), values), max_size=4))
def test_random_query_strings_on_every_page(app, clients, which, role, params):
    by_role, paths = clients
    path = paths[which % len(paths)]
    before = table_rows(app, "audit_log")
    reply = by_role[role].get(f"{path}?{form_body(params).decode()}")
    assert reply.status_code < 500, (path, params)
    if reply.mimetype == "text/html":
        assert b"<script>alert(1)" not in reply.data and b"<img src=x" not in reply.data
    reply.close()
    assert table_rows(app, "audit_log") == before
