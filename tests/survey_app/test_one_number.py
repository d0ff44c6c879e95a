"""One unit, one number (issue 13 item 1): for every unit and period of the demo, the
analyst's units table, the unit's own dashboard headline, the CSV export, the API (as
the analyst by unit and as the unit's user) and the public page give the same
estimate, interval and verdict, whoever asks. The unit is the stratum, so a unit's
number does not depend on what else is in the asker's scope."""

from __future__ import annotations

import csv
import io
from datetime import date

import pytest
import sqlalchemy as sa

from survey_app.extensions import db
from survey_app.models import Response, Unit, User
from survey_app.public.results import published_results
from survey_app.reporting.dashboard import DashboardQuery, build_dashboard
from survey_app.seed import demo
from survey_app.services.credentials import issue_user_token
from tests.conftest import StaffAuth, add_user

PERIODS = ("2026-Q1", "2026-Q2", "2026-Q3")
TODAY = date(2026, 11, 21)  # the demo's seeding day
NUMBERS = ("estimate", "ci_low", "ci_high")


def _same(a: dict, b: dict, what: str) -> None:
    for col in NUMBERS:
        # the same sums in the same order: equal to rounding of the last bit at most
        assert float(a[col]) == pytest.approx(float(b[col]), rel=1e-13, abs=1e-15), (what, col)


def _views(app, periods) -> None:
    """Every view of every unit in `periods` agrees (test_one_number_postgresql.py runs it
    on PostgreSQL)."""
    with app.app_context():
        units = {u.code: u for u in db.session.scalars(sa.select(Unit))}
        received = set(db.session.scalars(sa.select(Response.unit_id).distinct()))
        # today's receiving units without units below them (reception points, …)
        leaves = {code for code, u in units.items() if u.id in received and u.valid_on(TODAY)
                  and not any(v.parent_id == u.id for v in units.values())}
    for code in leaves:  # one reviewer per unit, as Nội vụ would create them
        if code not in (demo.UNIT_USER_UNIT, demo.OFFICE_USER_UNIT):
            add_user(app, f"u-{code.lower()}", "unit", code)
    with app.app_context():
        users = {u.username: u for u in db.session.scalars(sa.select(User))}
        reviewer = {u.unit.code: name for name, u in users.items() if u.role == "unit"}
        tokens = {name: issue_user_token(u) for name, u in users.items()
                  if name == "phantich" or u.role == "unit"}
        db.session.commit()
    client = app.test_client()
    assert StaffAuth(client).login("phantich", "demo-analyst").status_code == 302

    def api(username, query):
        r = client.get(f"/api/v1/indices{query}",
                       headers={"Authorization": f"Bearer {tokens[username]}"})
        assert r.status_code == 200, r.get_data(as_text=True)
        return r.get_json()["rows"]

    compared = published = 0
    for period in periods:
        with app.app_context():
            analyst = db.session.scalar(sa.select(User).filter_by(username="phantich"))
            table = build_dashboard(analyst, DashboardQuery(period)).units
            board = {row["code"]: row for row in table.to_dict("records")}
            own = {code: build_dashboard(db.session.scalar(sa.select(User).filter_by(
                username=name)), DashboardQuery(period)).headline
                for code, name in reviewer.items()}
        text = client.get(f"/xuat/chi-so.csv?ky={period}").get_data(as_text=True)
        exported = {r["unit_code"]: r for r in csv.DictReader(io.StringIO(text.lstrip("\ufeff")))
                    if r["table"] == "units"}
        by_unit = {r["unit_code"]: r for r in api("phantich", f"?period={period}&by=unit")}
        assert set(board) == set(exported) == set(by_unit) and board
        for code, row in board.items():
            _same(row, exported[code], f"{period} {code} export")
            assert exported[code]["status"] == row["status"], (period, code)
            _same(row, by_unit[code], f"{period} {code} api by=unit")
            if code in reviewer:
                _same(row, own[code], f"{period} {code} own dashboard")
                assert own[code]["status"] == row["status"], (period, code, "own dashboard")
                mine = api(reviewer[code], f"?period={period}&unit={code}")
                assert len(mine) == 1
                _same(row, mine[0], f"{period} {code} api unit=")
                compared += 1
            with app.test_request_context():  # the page's period names are translated
                unit = db.session.get(Unit, int(row["unit_id"]))
                if unit.publish_results and code in leaves:
                    shown = {r["period"]: r["result"] for r in published_results(unit, TODAY)}
                    if period in shown:
                        _same(row, shown[period], f"{period} {code} public page")
                        page = app.test_client().get(f"/ket-qua/{code}")
                        assert page.status_code == 200
        for code in reviewer.keys() - board.keys():  # a commune: its centre and points
            with app.test_request_context():
                unit = db.session.scalar(sa.select(Unit).filter_by(code=code))
                shown = {r["period"]: r["result"] for r in published_results(unit, TODAY)}
            if unit.publish_results and shown.get(period):
                _same(own[code], shown[period], f"{period} {code} public page")
                published += 1
    assert compared >= 5 * len(periods) and published >= len(periods)


@pytest.mark.parametrize("period", [pytest.param(p, marks=pytest.mark.slow) for p in PERIODS[:-1]]
                         + [PERIODS[-1]])
def test_every_view_of_a_unit_gives_the_same_number_and_verdict(demo_app, period):
    """One period per test (each builds some twenty dashboards): the workers share them
    out, and `--fast` checks the latest period only."""
    _views(demo_app, (period,))


def test_the_units_stratum_makes_a_unit_independent_of_the_scope(demo_app):
    """The design itself: a unit's row is the same computed alone or among all units."""
    from survey_app.reporting import ReportScope, compute_indices_sql

    with demo_app.app_context():
        scope = ReportScope.for_period("2026-Q2")
        everyone = compute_indices_sql(scope, by=("unit",))
        for unit_id in everyone["unit_id"].unique():
            alone = compute_indices_sql(ReportScope(scope.start, scope.end, (int(unit_id),)))
            mine = everyone[everyone["unit_id"] == unit_id].drop(columns="unit_id")
            for a, b in zip(mine.to_dict("records"), alone.to_dict("records"), strict=True):
                assert (a["level"], a["index"], a["method"]) == (b["level"], b["index"],
                                                                 b["method"])
                for col in (*NUMBERS, "se", "df"):
                    assert a[col] == pytest.approx(b[col], rel=1e-12, abs=1e-15)


def test_a_units_reviewer_sees_no_rank_computed_among_its_own_units(demo_app):
    """Ranked among its own scope, a commune was "Hạng 1 (1–1)" while Nội vụ ranks it among
    all units (issue 13 item 2): a unit's reviewer gets no rank, and a sentence why."""
    with demo_app.app_context():
        user = db.session.scalar(sa.select(User).filter_by(username="xuanan"))
        board = build_dashboard(user, DashboardQuery("2026-Q3"))
        analyst = db.session.scalar(sa.select(User).filter_by(username="phantich"))
        full = build_dashboard(analyst, DashboardQuery("2026-Q3"))
    assert board.rank_withheld and not full.rank_withheld
    assert board.units["rank"].isna().all() and not board.units["rankable"].any()
    assert full.units["rankable"].any()
    client = demo_app.test_client()
    assert StaffAuth(client).login("xuanan", "demo-unit").status_code == 302
    page = client.get("/bang-dieu-khien?ky=2026-Q3").get_data(as_text=True)
    assert "(1–1)" not in page
    assert "tài khoản đơn vị chỉ xem đơn vị mình nên không hiện hạng" in page
