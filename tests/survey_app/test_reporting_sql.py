"""The SQL path (sums in the database) equals the CSV path (analysis.compute_indices) on
the same responses, on SQLite and PostgreSQL, for every level, method and grouping."""

import random
from datetime import UTC, date, datetime, timedelta

import numpy as np
import pandas as pd
import pytest
import sqlalchemy as sa

from analysis import compute_indices
from survey_app.extensions import db
from survey_app.models import Answer, Counter, Field, InstrumentVersion, Response, Unit
from survey_app.reporting import ReportScope, compute_indices_sql
from survey_app.reporting.indices import compute_indices_sql_many

SCOPE = ReportScope(date(2026, 3, 10), date(2026, 6, 9))  # 2026-Q2


def _populate(seed: int = 7) -> pd.DataFrame:
    """Random responses on both instruments; returns the in-scope valid answers as the
    CSV path's long table."""
    rng = random.Random(seed)
    ivs = {iv.code: iv for iv in db.session.scalars(db.select(InstrumentVersion))}
    fields = list(db.session.scalars(db.select(Field).where(
        Field.code.in_(["dat-dai", "xay-dung", "tu-phap-ho-tich"]))))
    units = [Unit(code=f"U{i}", name_vi=f"Xã {i}", kind="xa", level="xa") for i in range(5)]
    db.session.add_all(units)
    counters = [Counter(unit=u, code=f"C{k}", name_vi="q", instrument_version=ivs[code])
                for u in units for k, code in enumerate(["sipas-2022", "counter-2018"])]
    db.session.add_all(counters)
    db.session.flush()
    rows = []
    key = 0
    q_start = datetime(2026, 3, 9, 17, 0, tzinfo=UTC)  # = 10 Mar 00:00 in Viet Nam
    plan = [(u, n) for u, n in zip(units, [40, 25, 12, 1, 3], strict=True)]
    for unit, n in plan:
        for _ in range(n):
            counter = rng.choice([c for c in counters if c.unit is unit])
            field = rng.choice(fields)
            inst = counter.instrument_version.instrument
            inside = rng.random() < 0.85 or unit.code == "U4"
            when = q_start + timedelta(seconds=rng.uniform(0, 91 * 86400 - 1)) if inside else (
                q_start - timedelta(seconds=rng.uniform(1, 5 * 86400)))
            status = "valid" if rng.random() > 0.07 or unit.code == "U4" else "flagged"
            person = rng.gauss(0, 1)
            answers = []
            for item in inst.items:
                if item.not_applicable and rng.random() < 0.2:
                    value = None
                elif unit.code == "U4":
                    value = 5  # every answer satisfied: the p = 1 fallback
                else:
                    p = 1 / (1 + np.exp(-(1.5 + person)))
                    value = rng.choice([4, 5]) if rng.random() < p else rng.choice([1, 2, 3])
                answers.append(Answer(item_code=item.code, element_code=item.element,
                                      item_position=inst.item_position(item.code),
                                      value=value, satisfied=item.is_satisfied(value)))
                if inside and status == "valid":
                    rows.append({"response_id": key, "unit_id": unit.id, "field_id": field.id,
                                 "element": item.element, "item": f"{inst.code}:{item.code}",
                                 "value": value})
            overall = inst.overall
            answers.append(Answer(item_code=overall.code, value=max(overall.scale.values),
                                  satisfied=True))  # not an element item: never counted
            db.session.add(Response(
                instrument_version_id=counter.instrument_version_id, counter=counter,
                unit_id=unit.id, field_id=field.id, channel="counter_qr", submitted_at=when,
                submission_key=f"k{key}", status=status,
                status_reason=None if status == "valid" else "test", answers=answers))
            key += 1
    db.session.commit()
    return pd.DataFrame(rows)


def _compare(sql: pd.DataFrame, csv: pd.DataFrame, keys: list[str]) -> None:
    assert len(sql) == len(csv) > 0
    merged = sql.merge(csv, on=keys, suffixes=("_sql", "_csv"), validate="one_to_one")
    assert len(merged) == len(csv)
    for col in ("estimate", "ci_low", "ci_high", "se"):
        np.testing.assert_allclose(merged[f"{col}_sql"].astype(float),
                                   merged[f"{col}_csv"].astype(float), rtol=1e-9, atol=1e-12)
    for col in ("n_respondents", "n_answers", "method"):
        assert (merged[f"{col}_sql"] == merged[f"{col}_csv"]).all(), col


@pytest.mark.parametrize("by", [(), ("unit",), ("unit", "field")])
@pytest.mark.parametrize("method", ["logit", "beta", "wilson"])
def test_sql_path_equals_csv_path(any_app, by, method):
    with any_app.app_context():
        answers = _populate()
        by_cols = [f"{b}_id" for b in by]
        sql = compute_indices_sql(SCOPE, by=by, method=method, strata=None)
        csv = compute_indices(answers, by=by_cols, method=method)
        _compare(sql, csv, [*by_cols, "level", "index"])


@pytest.mark.parametrize("element_rule", ["mean", "pooled"])
def test_sql_path_equals_csv_path_with_unit_strata(any_app, element_rule):
    with any_app.app_context():
        answers = _populate(seed=11)
        sql = compute_indices_sql(SCOPE, by=("field",), strata="unit", element_rule=element_rule)
        csv = compute_indices(answers.assign(stratum=answers["unit_id"]), by=["field_id"],
                              element_rule=element_rule)
        _compare(sql, csv, ["field_id", "level", "index"])


@pytest.mark.parametrize("strata", [None, "unit"])
@pytest.mark.parametrize("selective_share", [
    0.0, pytest.param(1.1, marks=pytest.mark.slow)], ids=["range-scan", "by-response-id"])
def test_one_pattern_query_serves_every_grouping(any_app, strata, selective_share,
                                                 monkeypatch):
    """compute_indices_sql_many regroups one query's patterns: each table equals the CSV
    path's for that grouping, on the whole scope and on a few units, whichever way the
    answers are read (the whole id range, or only the scope's responses by id)."""
    from survey_app.reporting import indices

    monkeypatch.setattr(indices, "SELECTIVE_SHARE", selective_share)
    groupings = [(), ("unit",), ("field",), ("unit", "field")]
    with any_app.app_context():
        answers = _populate(seed=5)
        if strata:
            answers = answers.assign(stratum=answers["unit_id"])
        few = tuple(sorted(answers["unit_id"].unique())[1:3])
        for unit_ids in (None, few):
            scope = ReportScope(SCOPE.start, SCOPE.end, unit_ids=unit_ids)
            subset = answers if unit_ids is None else answers[answers["unit_id"].isin(few)]
            tables = compute_indices_sql_many(scope, groupings, strata=strata)
            for by, sql in zip(groupings, tables, strict=True):
                by_cols = [f"{b}_id" for b in by]
                csv = compute_indices(subset, by=by_cols)
                _compare(sql, csv, [*by_cols, "level", "index"])
                # and to the last bit what one grouping alone gives: a dashboard and an
                # export or the API print the same digits
                pd.testing.assert_frame_equal(
                    sql, compute_indices_sql(scope, by=by, strata=strata), check_exact=True)


def test_scope_filters_units_and_fields_and_leaves_out_flagged(app):
    with app.app_context():
        answers = _populate()
        unit_ids = tuple(sorted(answers["unit_id"].unique())[:2])
        scoped = ReportScope(SCOPE.start, SCOPE.end, unit_ids=unit_ids)
        sql = compute_indices_sql(scoped, by=("unit",))
        assert set(sql["unit_id"]) == set(unit_ids)
        overall = sql[sql["level"] == "overall"]
        counted = answers[answers["unit_id"].isin(unit_ids)].groupby("unit_id")["response_id"]
        assert dict(zip(overall["unit_id"], overall["n_respondents"], strict=True)) == (
            counted.nunique().to_dict())
        flagged = db.session.scalar(db.select(sa.func.count(Response.id)).where(
            Response.status == "flagged"))
        assert flagged > 0


def test_empty_scope_gives_an_empty_table(app):
    with app.app_context():
        _populate()
        empty = compute_indices_sql(ReportScope(date(2020, 1, 1), date(2020, 1, 31)),
                                    by=("unit",))
        assert empty.empty and "estimate" in empty.columns


def test_degenerate_unit_gets_a_labelled_interval(app):
    with app.app_context():
        _populate()
        sql = compute_indices_sql(SCOPE, by=("unit",))
        unit4 = db.session.scalar(db.select(Unit.id).filter_by(code="U4"))
        row = sql[(sql["unit_id"] == unit4) & (sql["level"] == "overall")].iloc[0]
        assert row["estimate"] == 1.0 and 0 < row["ci_low"] < 1 and row["ci_high"] == 1.0
        assert "fallback" in row["method"]
        assert not sql[["estimate", "ci_low", "ci_high"]].isna().any().any()


def test_local_day_boundaries():
    """A response at 23:30 on 9 March in Viet Nam (16:30 UTC) belongs to Q1, not Q2."""
    scope = ReportScope.for_period("2026-Q2")
    begin, after = scope.utc_bounds
    assert begin == datetime(2026, 3, 9, 17, 0, tzinfo=UTC)
    assert after == datetime(2026, 6, 9, 17, 0, tzinfo=UTC)


def test_unknown_grouping_is_refused(app):
    with app.app_context():
        with pytest.raises(ValueError, match="cannot group by"):
            compute_indices_sql(SCOPE, by=("province",))
        with pytest.raises(ValueError, match="strata must be"):
            compute_indices_sql(SCOPE, strata="commune")


def test_dashboard_builds_on_both_databases(any_app):
    """The whole dashboard (ranking, change, targets, trend, volumes, comments) on the real
    database: the SQL it sends must work on SQLite and PostgreSQL alike."""
    from survey_app.models import User
    from survey_app.reporting.dashboard import DashboardQuery, build_dashboard

    with any_app.app_context():
        answers = _populate()
        analyst = User(username="a", password_hash="x", role="analyst")
        db.session.add(analyst)
        db.session.commit()
        board = build_dashboard(analyst, DashboardQuery("2026-Q2"))
        csv = compute_indices(answers)
        expected = csv[csv["level"] == "overall"].iloc[0]
        assert board.headline["estimate"] == pytest.approx(expected["estimate"], rel=1e-12)
        assert board.headline["status"] in {"met", "below", "inconclusive"}
        assert set(board.units["unit_id"]) == set(answers["unit_id"])
        assert list(board.trend["period"])[-1] == "2026-Q2"
        assert board.volumes["responses"] == answers["response_id"].nunique()
