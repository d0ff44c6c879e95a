"""Everything a dashboard, export, report or API shows for one query, computed once.

`build_dashboard(user, query)` narrows the query to what the user may see
(survey_app.services.scoping), asks the SQL path for indices (survey_app.reporting.indices) and
the analysis library for rankings, changes, targets and priorities. No view computes
a statistic of its own.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field, replace

import numpy as np
import pandas as pd
import sqlalchemy as sa
from flask import current_app

from analysis.change import design_difference
from analysis.periods import period_bounds, previous_period, recent_periods
from analysis.periods import today as current_day
from analysis.ranking import rank_units
from survey_app.extensions import db
from survey_app.models import (
    Answer,
    Comment,
    DossierVolume,
    Field,
    InstrumentVersion,
    Response,
    Unit,
)
from survey_app.reporting.indices import (
    ReportScope,
    compute_indices_sql,
    compute_indices_sql_many,
    fallback_count,
    group_column,
    response_filters,
    tune_report_queries,
)
from survey_app.reporting.query import DashboardQuery
from survey_app.reporting.rebase import placer, rebase_units, volume_units, with_notes
from survey_app.reporting.targets import TargetBook, judge, judge_rows
from survey_app.services.lineage import load_lineage
from survey_app.services.scoping import (
    restrict,
    subtree_ids,
    visible_responses_condition,
    visible_unit_ids,
)

MIN_CHANGE_RESPONDENTS = 10  # in each period, to call a unit's change significant
RANKED_MIN_RESPONDENTS = 30  # to rank a unit (and not hatch its heatmap cells)


@dataclass(frozen=True)
class Thresholds:
    """Respondent counts below which the dashboard makes no claim: the page, its figures
    and the PDF read them here rather than writing the numbers into their text."""

    change: int
    ranked: int
    priority: int


@dataclass
class Dashboard:
    query: DashboardQuery
    scope: ReportScope
    previous_period: str | None
    headline: dict | None
    locality: dict | None  # the whole locality's headline (for unit users' comparison)
    elements: pd.DataFrame
    units: pd.DataFrame
    fields: pd.DataFrame
    heatmap: pd.DataFrame
    trend: pd.DataFrame
    volumes: dict
    comments: list[dict] = field(default_factory=list)
    element_names: dict[str, str] = field(default_factory=dict)
    priority: pd.DataFrame | None = None  # None: scope too large or too small (see note)
    priority_note: str | None = None
    # A unit's reviewer sees its own units only: a rank among them is not the rank among
    # all units, and the full ranking would show other units' intervals. So no rank.
    rank_withheld: bool = False
    # Why a unit user's comparison card has no figure (too few other units/respondents).
    locality_withheld: dict | None = None
    # Deciding view: responses with no deciding agency, counted for their receiving unit.
    fallback: int = 0

    @property
    def thresholds(self) -> Thresholds:
        return Thresholds(change=MIN_CHANGE_RESPONDENTS, ranked=RANKED_MIN_RESPONDENTS,
                          priority=PRIORITY_MIN_RESPONDENTS)


def _overall(table: pd.DataFrame) -> pd.DataFrame:
    return table[table["level"] == "overall"].reset_index(drop=True)


def _headline(table: pd.DataFrame, target) -> dict | None:
    rows = _overall(table)
    if rows.empty:
        return None
    row = rows.iloc[0]
    out = {k: row[k] for k in ("estimate", "ci_low", "ci_high", "se", "n_respondents",
                               "n_answers", "method")}
    out.update(judge(row, target))
    out["target_source"] = target.source if target else None
    out["target_year"] = target.year if target else None
    return out


class _Anyone:
    """The reader of figures meant for everyone: a unit's published results page and the
    locality's headline a unit reviewer sees for comparison. Its scope is the query's,
    never narrowed to a user's units; only those two callers pass it."""

    def __repr__(self) -> str:
        return "ANYONE"


ANYONE = _Anyone()


def report_scope(query: DashboardQuery, user) -> ReportScope:
    """The rows a query covers for this user: period, unit subtree, field, then narrowed
    to the user's own units (survey_app.services.scoping.restrict). The page, the exports,
    the PDF, the API and the public results page all count from this, and nothing else
    builds a ReportScope."""
    start, end = period_bounds(query.period)
    unit_ids = tuple(sorted(subtree_ids([query.unit_id]))) if query.unit_id else None
    field_ids = (query.field_id,) if query.field_id else None
    # On the structure of the query's date: the lineage is read once, here (rebase.py).
    scope = ReportScope(start, end, unit_ids=unit_ids, field_ids=field_ids, role=query.role,
                        as_of=query.as_of or current_day(), lineage=load_lineage(db.session))
    return scope if user is ANYONE else restrict(scope, user)


def in_period(scope: ReportScope, label: str) -> ReportScope:
    """The same units and fields over another period (the trend, the previous period)."""
    start, end = period_bounds(label)
    return replace(scope, start=start, end=end)


def build_dashboard(user, query: DashboardQuery) -> Dashboard:
    scope = report_scope(query, user)
    query = replace(query, as_of=scope.as_of)  # the date the structure is shown on
    year = int(query.period[:4])
    book = TargetBook(year)
    units = {u.id: u for u in db.session.scalars(sa.select(Unit))}
    fields = {f.id: f for f in db.session.scalars(sa.select(Field))}

    # One pattern query per period serves every table of that period (whole, by unit,
    # by field); the trend reuses the current and previous periods' whole tables.
    whole, by_unit, by_field = compute_indices_sql_many(
        scope, [(), ("unit",), ("field",)], method=query.method)
    field_code = fields[query.field_id].code if query.field_id else None
    locality_target = headline_target = (book.for_field(field_code) if field_code
                                         else book.overall())
    if not field_code and scope.unit_ids is not None and len(scope.unit_ids) == 1:
        # One unit's headline is judged on the target its row in the units table uses.
        headline_target = book.for_unit_kind(units[scope.unit_ids[0]].kind)
    headline = _headline(whole, headline_target)
    locality, locality_withheld = _locality(
        user, report_scope(replace(query, unit_id=None), ANYONE), query.method, locality_target)

    prev = previous_period(query.period)
    known = {query.period: whole}
    if prev:
        prev_whole, prev_by_unit = compute_indices_sql_many(
            in_period(scope, prev), [(), ("unit",)], method=query.method)
        known[prev] = prev_whole
    else:
        prev_by_unit = by_unit.iloc[0:0]
    rank_withheld = visible_unit_ids(user) is not None
    unit_table = with_notes(_unit_table(by_unit, prev_by_unit, units, book, locality_target,
                                        rank=not rank_withheld), scope)
    field_table = _field_table(by_field, fields, book)
    elements = whole[whole["level"] == "element"].reset_index(drop=True)
    heat = by_unit[by_unit["level"] == "element"].assign(
        unit=lambda d: d["unit_id"].map(lambda i: units[i].name_vi))
    trend = _trend(scope, query, known)
    priority, priority_note = _priority(scope, headline)
    return Dashboard(
        query=query, scope=scope, previous_period=prev, headline=headline, locality=locality,
        locality_withheld=locality_withheld,
        elements=elements, units=unit_table, fields=field_table, heatmap=heat, trend=trend,
        volumes=_volumes(scope),
        comments=_comments(scope, units, fields, visible_responses_condition(user)),
        element_names=_element_names(), priority=priority, priority_note=priority_note,
        rank_withheld=rank_withheld, fallback=fallback_count(scope),
    )


CACHE_SECONDS = 60
_CACHE: dict = {}


def dashboard_for(user, query: DashboardQuery) -> Dashboard:
    """build_dashboard, kept a minute per user and query: the page, its figures, its
    exports ask for the same numbers one after the other. The key holds the whole query,
    so the two attribution roles (query.role) are kept apart."""
    key = (user.id, user.role, user.unit_id, query)
    hit = _CACHE.get(key)
    if hit and time.monotonic() - hit[0] < CACHE_SECONDS:
        return hit[1]
    if len(_CACHE) > 256:
        _CACHE.clear()
    data = build_dashboard(user, query)
    _CACHE[key] = (time.monotonic(), data)
    return data


def _locality(user, scope: ReportScope, method: str, target) -> tuple[dict | None, dict | None]:
    """The locality's headline for a unit user's comparison card, or why it is withheld.

    Outside the user's own units, the comparison is made of other units' answers: with a
    single other unit in the field it *is* that unit's index. So it is shown only when at
    least COMPARISON_MIN_UNITS other units and COMPARISON_MIN_RESPONDENTS of their
    respondents contribute (docs/privacy.md)."""
    own = visible_unit_ids(user)
    if own is None:  # Nội vụ sees every unit anyway: no comparison card
        return None, None
    unit = group_column("unit", scope)  # the unit each response counts for in this view
    per_unit = rebase_units(pd.DataFrame(db.session.execute(
        sa.select(unit, Response.counter_id, sa.func.count(Response.id))
        .where(*response_filters(scope)).group_by(unit, Response.counter_id)).all(),
        columns=["unit_id", "counter_id", "n"]), scope).groupby("unit_id")["n"].sum()
    others = [int(n) for unit_id, n in per_unit.items() if unit_id not in own]
    need_units = int(current_app.config["COMPARISON_MIN_UNITS"])
    need_respondents = int(current_app.config["COMPARISON_MIN_RESPONDENTS"])
    if len(others) < need_units or sum(others) < need_respondents:
        return None, {"units": len(others), "respondents": sum(others),
                      "min_units": need_units, "min_respondents": need_respondents}
    return _headline(compute_indices_sql(scope, method=method), target), None


def _unit_table(by_unit, prev_by_unit, units, book, overall_target,
                rank: bool = True) -> pd.DataFrame:
    """The units' overall indices, ranks, verdicts and changes. ``rank=False`` (a unit's
    reviewer, whose scope is not the full comparison set) leaves the rank empty."""
    rows = _overall(by_unit)
    if rows.empty:
        return rows.assign(unit="", code="")
    ranking = rank_units(rows.rename(columns={"unit_id": "unit"}), unit="unit",
                         target=overall_target.value if overall_target else None, n_sim=2000,
                         min_respondents=RANKED_MIN_RESPONDENTS)
    table = rows.merge(ranking[["unit", "shrunken", "shrunken_low", "shrunken_high", "rank",
                                "rank_low", "rank_high", "rankable", "note"]]
                       .rename(columns={"unit": "unit_id"}), on="unit_id", how="left")
    if not rank:
        table[["rank", "rank_low", "rank_high"]] = np.nan
        table["rankable"] = False
        table["note"] = "rank withheld: not the full comparison set"
    judged = judge_rows(table, [book.for_unit_kind(units[i].kind) for i in table["unit_id"]])
    table = pd.concat([table, pd.DataFrame(judged)], axis=1)
    prev = _overall(prev_by_unit)[["unit_id", "estimate", "se", "df", "n_respondents"]].rename(
        columns={"estimate": "prev_estimate", "se": "prev_se", "df": "prev_df",
                 "n_respondents": "prev_n"})
    table = table.merge(prev, on="unit_id", how="left")
    # t with Welch–Satterthwaite df; no interval where either side is degenerate
    d, _, low, high, p = design_difference(table["estimate"], table["se"],
                                           table["prev_estimate"], table["prev_se"],
                                           df1=table["df"], df2=table["prev_df"])
    table["change"], table["change_low"], table["change_high"], table["change_p"] = d, low, high, p
    # A change is called significant only on real standard errors: a fallback interval
    # (p = 0 or 1, se = 0) or a handful of respondents cannot support the claim.
    enough = (table["change_p"].notna() & (table["n_respondents"] >= MIN_CHANGE_RESPONDENTS)
              & (table["prev_n"].fillna(0) >= MIN_CHANGE_RESPONDENTS)
              & (table["se"] > 0) & (table["prev_se"].fillna(0) > 0))
    table["change_significant"] = enough & ((table["change_low"] > 0)
                                            | (table["change_high"] < 0))
    table["unit"] = table["unit_id"].map(lambda i: units[i].name_vi)
    table["code"] = table["unit_id"].map(lambda i: units[i].code)
    table["kind"] = table["unit_id"].map(lambda i: units[i].kind)
    return table.sort_values(["estimate"], ascending=False).reset_index(drop=True)


def _field_table(by_field, fields, book) -> pd.DataFrame:
    rows = _overall(by_field)
    if rows.empty:
        return rows.assign(field="", code="")
    judged = judge_rows(rows, [book.for_field(fields[i].code) for i in rows["field_id"]])
    table = pd.concat([rows, pd.DataFrame(judged)], axis=1)
    table["field"] = table["field_id"].map(lambda i: fields[i].name_vi)
    table["code"] = table["field_id"].map(lambda i: fields[i].code)
    table["sort"] = table["field_id"].map(lambda i: fields[i].sort_order)
    return table.sort_values("sort").drop(columns="sort").reset_index(drop=True)


def _trend(scope: ReportScope, query: DashboardQuery, known: dict[str, pd.DataFrame],
           count: int = 6) -> pd.DataFrame:
    """The headline of the last `count` periods; `known` holds periods already computed."""
    rows = []
    for label in recent_periods(query.period, count):
        table = known.get(label)
        if table is None:
            table = compute_indices_sql(in_period(scope, label), method=query.method)
        overall = _overall(table)
        if not overall.empty:
            rows.append({"period": label, **overall.iloc[0][
                ["estimate", "ci_low", "ci_high", "se", "n_respondents"]].to_dict()})
    return pd.DataFrame(rows, columns=["period", "estimate", "ci_low", "ci_high", "se",
                                       "n_respondents"])


def _volumes(scope: ReportScope) -> dict:
    """Dossiers received in the period (volumes recorded for periods inside it). Volumes
    are recorded per receiving unit, so the deciding view gives no response rate
    (received: None)."""
    q = sa.select(sa.func.coalesce(sa.func.sum(DossierVolume.received), 0)).where(
        DossierVolume.period_start >= scope.start, DossierVolume.period_end <= scope.end)
    if scope.unit_ids is not None:
        q = q.where(DossierVolume.unit_id.in_(volume_units(scope)))
    if scope.field_ids is not None:
        q = q.where(DossierVolume.field_id.in_(scope.field_ids))
    received = int(db.session.scalar(q) or 0) if scope.role == "receiving" else None
    responses = int(db.session.scalar(sa.select(sa.func.count(Response.id))
                                      .where(*response_filters(scope))) or 0)
    return {"received": received, "responses": responses,
            "rate": responses / received if received else None}


def _comments(scope: ReportScope, units, fields, visible, limit: int = 20) -> list[dict]:
    """The scope's latest approved comments, labelled with the unit of the scope's role;
    `visible` (scoping.visible_responses_condition) keeps a unit user to the responses its
    units received or decide, whatever the scope says."""
    rows = db.session.execute(
        sa.select(Comment.text, Comment.created_at, group_column("unit", scope),
                  Response.counter_id,
                  Response.field_id)
        .join(Response, Response.id == Comment.response_id)
        .where(Comment.status == "approved", *response_filters(scope), visible)
        .order_by(Comment.created_at.desc()).limit(limit)).all()
    place = placer(scope)  # under the unit that shows the response on the scope's date
    return [{"text": t, "at": at, "unit": units[place(u, c)].name_vi, "field": fields[f].name_vi}
            for t, at, u, c, f in rows]


PRIORITY_MAX_RESPONDENTS = 50_000  # the regression runs on respondent-level rows in memory
PRIORITY_MIN_RESPONDENTS = 50


def _priority(scope: ReportScope, headline: dict | None) -> tuple[pd.DataFrame | None, str | None]:
    """What to improve first (analysis.priority): dissatisfaction per element and its
    importance for overall satisfaction (logistic regression, cluster-robust by unit);
    note "equal_weights": no model could be fitted, every element weighs the same."""
    n = int(headline["n_respondents"]) if headline else 0
    if n < PRIORITY_MIN_RESPONDENTS:
        return None, "too_few"
    if n > PRIORITY_MAX_RESPONDENTS:
        return None, "too_many"
    # Imported here, after the size checks: statsmodels takes 2 s to import, which a
    # national dashboard (always too many respondents) need not pay.
    from analysis.priority import priority_table
    where = response_filters(scope)
    # Plain DBAPI tuples: a province's year is 650 k answers, which as SQLAlchemy Row
    # objects cost 5 s more to fetch and frame (bench/national_scale.py, pyinstrument).
    answers = _frame(
        sa.select(Answer.response_id, group_column("unit", scope), Answer.element_code,
                  InstrumentVersion.code, Answer.item_code, Answer.value, Answer.satisfied)
        .join(Response, Response.id == Answer.response_id)
        .join(InstrumentVersion, InstrumentVersion.id == Response.instrument_version_id)
        .where(*where, Answer.element_code.is_not(None)),
        ["response_id", "unit", "element", "iv", "item_code", "value", "satisfied"])
    answers["item"] = answers["iv"] + ":" + answers["item_code"]
    answers["value"] = pd.to_numeric(answers["value"], errors="coerce")
    # The stored flag, as the element table's SQL counts it: the instrument's rule.
    answers["satisfied"] = answers["satisfied"].astype(float)  # bool, 0/1 or None
    # The overall question of each instrument version (its code comes from the
    # instrument): satisfied or not, whatever its scale (5-point or TT 01 3-level).
    overall_codes = _overall_codes()
    if not overall_codes:
        return None, "no_overall"
    overall = _frame(
        sa.select(Answer.response_id, Answer.value, Answer.satisfied)
        .join(Response, Response.id == Answer.response_id)
        .where(*where, Answer.element_code.is_(None), Answer.satisfied.is_not(None),
               sa.or_(*(sa.and_(Response.instrument_version_id == iv_id,
                                Answer.item_code == code)
                        for iv_id, code in overall_codes.items()))),
        ["response_id", "value", "satisfied"])
    overall["value"] = pd.to_numeric(overall["value"], errors="coerce")
    overall["satisfied"] = overall["satisfied"].astype(float)
    if overall.empty:
        return None, "no_overall"
    table = priority_table(
        answers[["response_id", "unit", "element", "item", "value", "satisfied"]],
        overall, level_name="element", cluster="unit")
    fallback = "equal_weights" if (table["fallback"] == "equal_weights").any() else None
    return table, fallback


def _overall_codes() -> dict[int, str]:
    """Instrument version id → code of its overall question (versions that have one)."""
    codes = {}
    for iv in db.session.scalars(sa.select(InstrumentVersion)):
        question = iv.instrument.overall
        if question is not None:
            codes[iv.id] = question.code
    return codes


def _frame(query: sa.Select, columns: list[str]) -> pd.DataFrame:
    """A report query's rows as a frame, with the report settings: the planner then
    fetches a province's answers by response id (0.9 s) instead of scanning the whole
    table (2.3 s, 10 M answers)."""
    with db.engine.connect() as conn:
        tune_report_queries(conn)
        result = conn.execute(query)
        frame = pd.DataFrame(result.cursor.fetchall(), columns=columns)
        result.close()
        conn.rollback()
    return frame


def _element_names() -> dict[str, str]:
    """Element code → Vietnamese name, from the instrument versions in the database
    (including uploaded ones), newest version first."""
    names: dict[str, str] = {}
    versions = db.session.scalars(sa.select(InstrumentVersion)
                                  .order_by(InstrumentVersion.published_at.desc()))
    for iv in versions:
        for e in iv.instrument.elements:
            names.setdefault(e.code, e.name.vi)
    return names
