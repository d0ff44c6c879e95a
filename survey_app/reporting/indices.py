"""Indices of the responses stored in the database, through the analysis engine.

One SQL query reduces the answers to **answer patterns**: for every respondent, the
set of items answered (x) and the subset answered "satisfied" (y), as bit masks; then
respondents with the same pattern in the same group and stratum are counted. The
database does the heavy part (10 M answers → at most one row per respondent, usually
far fewer), Python receives per-group patterns with their counts and hands them to
`analysis.patterns.indices_from_patterns`, which expands them into the engine's integer
codes and runs the SAME `pass1_sums → score_coefficients → pass2_sums → finish` as the
CSV path; this module holds only the SQL. The reduction loses nothing the estimators use
(unweighted respondents with equal patterns contribute equally), so the SQL path and
the CSV path give identical numbers (tests/survey_app/test_reporting_sql.py).

History: the first version ran both engine passes as GROUP BYs in SQL with the score
coefficients in a temporary table; on 10 M answers in PostgreSQL it took 28 s, most
of it evaluating per-answer CASE expressions over 40 M joined rows (bench/
reporting_sql_scale.py prints the current figure).

Items are keyed `<instrument code>:<item code>`, so two questionnaires that share the
five SIPAS elements pool at element and overall level but keep their items apart.
Only responses with status 'valid' count; 'flagged' and 'excluded' are left out.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from typing import TYPE_CHECKING

import pandas as pd
import sqlalchemy as sa
from flask import current_app
from sqlalchemy.engine import Connection

from analysis.answers import CodedAnswers
from analysis.patterns import (
    BITS_PER_WORD,
    PatternLayout,
    coded_from_patterns,
    indices_from_patterns,
    regroup_patterns,
)
from analysis.periods import VIETNAM
from survey_app.extensions import db
from survey_app.models import Answer, InstrumentVersion, Response
from survey_app.reporting import rebase
from survey_app.reporting.attribution import (
    ATTRIBUTION_ROLES,
    DEFAULT_ROLE,
    attributed_condition,
    attribution_column,
    fallback_condition,
)

if TYPE_CHECKING:
    from survey_app.services.lineage import Lineage

# The names a table may be grouped by. "unit" is the unit of the scope's attribution role
# (survey_app.reporting.attribution): the receiving unit, or the deciding agency; see
# group_column(). The query labels it `unit_id` in both roles.
GROUP_COLUMNS = {"unit": Response.unit_id, "field": Response.field_id}
STRATA = {None: None, "unit": Response.unit_id, "field": Response.field_id}
# Every unit runs its own survey: the unit is the stratum, the respondent the cluster
# (docs/analysis.md "Design"). A unit's interval then depends on its own respondents
# only, not on who asks or which other units are in the scope. In the deciding view the
# stratum is the deciding agency, the unit the index is about (group_column()).
REPORT_STRATA = "unit"
# Below this share of their id range, the scope's answers are fetched by response id
# (bench/national_scale.py, docs/reporting.md "National scale").
SELECTIVE_SHARE = 0.5


@dataclass(frozen=True)
class ReportScope:
    """What to count: a date range (local days, inclusive) and optional unit/field sets."""

    start: date
    end: date
    unit_ids: tuple[int, ...] | None = None  # None: every unit
    field_ids: tuple[int, ...] | None = None
    # Which unit a response counts for (survey_app.reporting.attribution): "receiving"
    # (where the dossier was handed in) or "deciding" (the agency that decides it; the
    # receiving unit when the link did not name one). Filters and the unit column follow.
    role: str = DEFAULT_ROLE
    # The structure the results are shown on (survey_app.reporting.rebase): `unit_ids`
    # are units of that date, and each response counts for the unit that represents its
    # own on it. None: the units as stored, no lineage followed.
    as_of: date | None = None
    # The lineage loaded once for the request by the scope's builder (None: load it).
    lineage: Lineage | None = field(default=None, compare=False, repr=False)

    def __post_init__(self) -> None:
        if self.role not in ATTRIBUTION_ROLES:
            raise ValueError(f"role must be one of {list(ATTRIBUTION_ROLES)}")
        # Plain ints: SQLite binds a numpy integer as a blob that matches no id.
        for name in ("unit_ids", "field_ids"):
            ids = getattr(self, name)
            if ids is not None:
                object.__setattr__(self, name, tuple(int(i) for i in ids))
        if self.end < self.start:
            raise ValueError("the scope ends before it starts")

    @property
    def utc_bounds(self) -> tuple[datetime, datetime]:
        begin = datetime.combine(self.start, time.min, VIETNAM).astimezone(UTC)
        after = datetime.combine(self.end + timedelta(days=1), time.min, VIETNAM).astimezone(UTC)
        return begin, after

    @classmethod
    def for_period(cls, label: str, **kw) -> ReportScope:
        from analysis.periods import period_bounds

        start, end = period_bounds(label)
        return cls(start, end, **kw)


def response_filters(scope: ReportScope) -> list:
    """WHERE conditions on `responses` for the valid responses of `scope`."""
    begin, after = scope.utc_bounds
    conditions = [
        Response.status == "valid",
        Response.submitted_at >= begin,
        Response.submitted_at < after,
    ]
    if scope.unit_ids is not None:
        conditions.append(attributed_condition(scope.unit_ids, (scope.role,))
                          if scope.as_of is None else rebase.covering_condition(scope))
    if scope.field_ids is not None:
        conditions.append(Response.field_id.in_(scope.field_ids))
    return conditions


def group_column(name: str, scope: ReportScope) -> sa.ColumnElement:
    """The column behind a group or stratum name in `scope`: "unit" is the unit of the
    scope's role (the receiving unit, or the deciding agency with its fallback)."""
    if name == "unit":
        return attribution_column(scope.role)
    return GROUP_COLUMNS[name] if name in GROUP_COLUMNS else STRATA[name]


def fallback_count(scope: ReportScope) -> int:
    """How many of the scope's valid responses the deciding view files under their
    receiving unit because the deciding agency is unknown (0 in the receiving view)."""
    if scope.role == "receiving":
        return 0
    return int(db.session.scalar(sa.select(sa.func.count(Response.id))
                                 .where(*response_filters(scope),
                                        fallback_condition(scope.role))) or 0)


def compute_indices_sql(
    scope: ReportScope,
    by: Sequence[str] = (),
    method: str = "logit",
    level: float = 0.95,
    element_rule: str = "mean",
    strata: str | None = REPORT_STRATA,
) -> pd.DataFrame:
    """Indices per group (`by` ⊆ unit, field → columns unit_id, field_id) in `scope`.

    `strata` defaults to the unit (REPORT_STRATA), so every view of a unit agrees.
    Returns analysis.engine.finish's table: `<by…>, level, index, estimate, ci_low,
    ci_high, se, df, deff, n_respondents, n_answers, method` (empty when no answer).
    """
    return compute_indices_sql_many(scope, [by], method, level, element_rule, strata)[0]


def compute_indices_sql_many(
    scope: ReportScope,
    groupings: Sequence[Sequence[str]],
    method: str = "logit",
    level: float = 0.95,
    element_rule: str = "mean",
    strata: str | None = REPORT_STRATA,
) -> list[pd.DataFrame]:
    """compute_indices_sql(scope, by) for every `by` in `groupings`, from ONE pattern query.

    The query groups by every column any grouping needs; a coarser grouping's patterns
    are the finer ones with their counts added up (respondents with equal patterns
    contribute equally), in the same canonical order as compute_indices_sql's, so each
    table is the one compute_indices_sql gives, to the last bit. A dashboard asks for
    the whole scope, by unit and by field: one scan of the answers instead of three.
    """
    groupings = [tuple(by) for by in groupings]
    unknown = {name for by in groupings for name in by} - set(GROUP_COLUMNS)
    if unknown:
        raise ValueError(f"cannot group by {sorted(unknown)}; choose from {list(GROUP_COLUMNS)}")
    if strata not in STRATA:
        raise ValueError(f"strata must be one of {list(STRATA)}")
    keys = tuple(name for name in GROUP_COLUMNS if any(name in by for by in groupings))
    with db.engine.connect() as conn:
        tune_report_queries(conn)
        found = _scope_responses(conn, scope)
        layout = _item_layout(found) if found else None
        patterns = (_patterns(conn, scope, keys, strata, layout, found) if layout is not None
                    else pd.DataFrame())
        conn.rollback()
    out = []
    for by in groupings:
        by_cols = [f"{name}_id" for name in by]
        if patterns.empty:
            out.append(_empty(by_cols))
            continue
        result = indices_from_patterns(patterns, layout, by_cols, method, level, element_rule)
        for col in by_cols:
            result[col] = result[col].astype("int64")
        out.append(result)
    return out


def coded_answers_sql(scope: ReportScope, by: Sequence[str] = (),
                      strata: str | None = REPORT_STRATA) -> CodedAnswers | None:
    """The valid answers of `scope` as the engine's CodedAnswers, via answer patterns."""
    by_cols = [f"{name}_id" for name in by]
    with db.engine.connect() as conn:
        tune_report_queries(conn)
        found = _scope_responses(conn, scope)
        if not found:
            return None
        layout = _item_layout(found)
        patterns = _patterns(conn, scope, by, strata, layout, found)
        conn.rollback()
    if patterns.empty:
        return None
    return coded_from_patterns(regroup_patterns(patterns, by_cols, layout), layout, by_cols)


@dataclass(frozen=True)
class _Found:
    """The scope's valid responses: instrument versions used, id range and count."""

    versions: tuple[int, ...]
    low: int
    high: int
    count: int

    def __bool__(self) -> bool:
        return self.count > 0


def _scope_responses(conn: Connection, scope: ReportScope) -> _Found:
    """One pass over the scope's responses for everything the pattern query needs."""
    rows = conn.execute(
        sa.select(Response.instrument_version_id, sa.func.min(Response.id),
                  sa.func.max(Response.id), sa.func.count(Response.id))
        .where(*response_filters(scope)).group_by(Response.instrument_version_id)).all()
    if not rows:
        return _Found((), 0, -1, 0)
    return _Found(tuple(int(r[0]) for r in rows), min(int(r[1]) for r in rows),
                  max(int(r[2]) for r in rows), sum(int(r[3]) for r in rows))


def _item_layout(found: _Found) -> PatternLayout:
    """Bit position of every element item of the instrument versions used in the scope."""
    used = found.versions
    versions = db.session.scalars(sa.select(InstrumentVersion)
                                  .where(InstrumentVersion.id.in_(used))
                                  .order_by(InstrumentVersion.code, InstrumentVersion.version))
    order: dict[str, int] = {}
    elements: dict[str, str] = {}
    element_rank: dict[str, int] = {}
    rows = []
    for iv in versions:
        inst = iv.instrument
        for e in inst.elements:
            element_rank.setdefault(e.code, len(element_rank))
        for pos, item in enumerate(inst.items):
            key = f"{inst.code}:{item.code}"
            elements[key] = item.element
            order.setdefault(key, element_rank[item.element] * 10_000 + pos)
            rows.append((iv.id, item.code, pos, key))
    keys = sorted(order, key=order.__getitem__)
    index = {k: i for i, k in enumerate(keys)}
    # An answer's bit is its item_position within its instrument version (word = pos // 62);
    # item_index maps (version, position) to the engine's item code.
    bits = pd.DataFrame(rows, columns=["iv_id", "item_code", "position", "key"])
    bits["item_index"] = bits["key"].map(index)
    bits["word"] = bits["position"] // BITS_PER_WORD
    bits["bit_no"] = bits["position"] % BITS_PER_WORD
    items = pd.DataFrame({"item": keys, "element": [elements[k] for k in keys]})
    return PatternLayout(items, bits, int(bits["word"].max()) + 1)


def _patterns(conn, scope, by, strata, layout: PatternLayout, found: _Found) -> pd.DataFrame:
    """One row per group × stratum × instrument version × answer pattern, with its count.

    The inner query aggregates `answers` alone, by response, within the id range of the
    scope's responses (ids grow with time, so a quarter reads about a quarter of the
    table; the exact filters are applied by the join after it). Each answer's bit is
    `1 << item_position`: integer arithmetic, where matching item codes as text cost
    more than half of the query (bench/reporting_sql_scale.py, docs/reporting.md).

    When the scope's responses are a small share of their id range (a province, a unit,
    a field), the inner query also keeps only their answers (`response_id IN (…)`), so
    the database fetches those by primary key instead of aggregating the whole range:
    4× faster for the biggest province in bench/national_scale.py. For the whole
    country the plain range scan stays: the semi-join would double its time.
    """
    where = response_filters(scope)
    low, high = found.low, found.high
    selective = found.count < SELECTIVE_SHARE * (high - low + 1)
    # The bits of one respondent are distinct, so OR = SUM. PostgreSQL's bit_or stays in
    # BIGINT (its sum(bigint) accumulates in NUMERIC, measurably slower); SQLite has no
    # bit_or but sums integers exactly.
    combine = sa.func.bit_or if conn.dialect.name == "postgresql" else sa.func.sum
    one = sa.literal(1, sa.BigInteger)
    zero = sa.literal(0, sa.BigInteger)
    masks = []
    for w in range(layout.n_words):
        if layout.n_words == 1:
            bit = one.op("<<")(Answer.item_position)
        else:
            in_word = sa.and_(Answer.item_position >= w * BITS_PER_WORD,
                              Answer.item_position < (w + 1) * BITS_PER_WORD)
            bit = sa.case((in_word, one.op("<<")(Answer.item_position - w * BITS_PER_WORD)),
                          else_=zero)
        masks += [combine(sa.case((Answer.satisfied.is_(True), bit), else_=zero)).label(f"y{w}"),
                  combine(bit).label(f"x{w}")]
    per_response = (
        sa.select(Answer.response_id.label("rid"), *masks)
        .where(Answer.response_id.between(low, high), Answer.element_code.is_not(None),
               Answer.value.is_not(None),
               *([Answer.response_id.in_(sa.select(Response.id).where(*where))]
                 if selective else []))
        .group_by(Answer.response_id)
    ).subquery()
    rebased = scope.as_of is not None and "unit" in by
    # A split in force places a unit's responses by counter (receiving view; a deciding
    # agency has no counters): the counter is a key, and the parts given to successors
    # are strata of their own in every grouping, so all views of a scope agree.
    split = (scope.as_of is not None and scope.role == "receiving"
             and (rebased or strata == "unit")
             and rebase.needs_counters(rebase.lineage_of(scope), scope.as_of))
    keys = [*(group_column(b, scope).label(f"{b}_id") for b in by),
            *([Response.counter_id.label("counter_id")] if split else []),
            *([group_column(strata, scope).label("stratum")] if strata else []),
            Response.instrument_version_id.label("iv_id")]
    mask_cols = [per_response.c[m.name] for m in masks]
    result = conn.execute(
        sa.select(*keys, *mask_cols, sa.func.count().label("n"))
        .select_from(per_response)
        .join(Response, Response.id == per_response.c.rid)
        .where(*where)
        .group_by(*keys, *mask_cols)
    )
    # Plain tuples from the DBAPI cursor: pandas builds a frame from 500 k SQLAlchemy Row
    # objects 7× slower than from tuples (5.9 s against 0.8 s, measured).
    columns = [k.name for k in keys] + [m.name for m in masks] + ["n"]
    frame = pd.DataFrame(result.cursor.fetchall(), columns=columns)
    result.close()
    if not strata:
        frame["stratum"] = "all"
    # Each unit shown under the unit that represents it on the scope's date; the strata
    # stay the units that ran the survey, the part of a split unit given to a successor
    # a stratum of its own (survey_app.reporting.rebase).
    if rebased or split:
        frame = rebase.rebase_units(frame, scope, column="unit_id" if rebased else None,
                                    split_strata=split and strata == "unit")
    return frame


def tune_report_queries(conn: Connection) -> None:
    """Reporting joins millions of answers with their responses: give PostgreSQL the memory
    to hash them without spilling to disk (4 MB default → temp files, 2× slower) and skip
    JIT compilation, which costs more than it saves here. The answers' reporting index
    (migration 0003) is in the table's own order (ids grow with time), so reading a
    period through it is sequential I/O: with the default random_page_cost of 4 (a
    spinning disk) the planner scans the table instead, 25–30 % slower for a national
    year (bench/national_scale.py). SET LOCAL lasts until the connection's transaction
    ends (rolled back after the query)."""
    if conn.dialect.name == "postgresql":
        config = current_app.config
        conn.execute(sa.text("SELECT set_config('work_mem', :w, true), "
                             "set_config('random_page_cost', :r, true)"),
                     {"w": str(config["REPORTING_WORK_MEM"]),
                      "r": str(config["REPORTING_RANDOM_PAGE_COST"])})
        conn.execute(sa.text("SET LOCAL jit = off"))


def _empty(by_cols: list[str]) -> pd.DataFrame:
    return pd.DataFrame(columns=[*by_cols, "level", "index", "estimate", "ci_low", "ci_high",
                                 "se", "df", "deff", "n_respondents", "n_answers", "method"])
