"""Attribution by dossier in the SQL pattern path: a response received at commune A and
decided by department B counts for A in the receiving view and for B in the deciding
view; an unknown deciding agency falls back to the receiving unit (docs/reporting.md)."""

from __future__ import annotations

import pytest

from survey_app.extensions import db
from survey_app.reporting.indices import (
    ReportScope,
    compute_indices_sql,
    compute_indices_sql_many,
    fallback_count,
)
from tests.factories import TWO_ROLE_PERIOD, make_two_role_world


def _overall(table):
    return table[table["level"] == "overall"]


@pytest.mark.parametrize("role", ["receiving", "deciding"])
def test_units_are_grouped_by_the_role(any_app, role):
    world = make_two_role_world(any_app)
    codes = {world.a: "X-A", world.b: "S-B", world.c: "X-C"}
    with any_app.app_context():
        scope = ReportScope.for_period(TWO_ROLE_PERIOD, role=role)
        whole, by_unit = compute_indices_sql_many(scope, [(), ("unit",)])
        got = {codes[int(r.unit_id)]: int(r.n_respondents)
               for r in _overall(by_unit).itertuples()}
        assert got == {code: n for (r, code), n in world.counts.items() if r == role}
        assert int(_overall(whole)["n_respondents"].iloc[0]) == 15  # same rows, either way
        estimates = {codes[int(r.unit_id)]: r.estimate for r in _overall(by_unit).itertuples()}
        if role == "receiving":
            assert estimates["X-A"] == pytest.approx(0.6)  # 6 satisfied of 10
        else:
            assert estimates["S-B"] == 1.0 and estimates["X-A"] == 0.0
        assert fallback_count(scope) == (world.fallback if role == "deciding" else 0)


@pytest.mark.parametrize("role, unit, expected", [
    ("receiving", "a", 10), ("receiving", "b", 0), ("receiving", "c", 5),
    ("deciding", "a", 4), ("deciding", "b", 6), ("deciding", "c", 5)])
def test_a_units_scope_follows_the_role(any_app, role, unit, expected):
    world = make_two_role_world(any_app)
    with any_app.app_context():
        scope = ReportScope.for_period(TWO_ROLE_PERIOD, role=role,
                                       unit_ids=(getattr(world, unit),))
        table = _overall(compute_indices_sql(scope))
        assert (int(table["n_respondents"].iloc[0]) if len(table) else 0) == expected
        # the unit's headline is its row in the units table (same stratum)
        if expected:
            row = _overall(compute_indices_sql(scope, by=("unit",)))
            assert row["estimate"].iloc[0] == table["estimate"].iloc[0]
            assert row["se"].iloc[0] == table["se"].iloc[0]
        db.session.remove()


def test_an_unknown_role_is_refused():
    from datetime import date

    with pytest.raises(ValueError, match="role"):
        ReportScope(date(2026, 1, 1), date(2026, 1, 2), role="counter")
