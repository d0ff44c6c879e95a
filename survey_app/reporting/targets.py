"""Which plan target applies to an index, and whether the index meets it.

Plans fix targets for milestone years (e.g. ≥ 90% by 2025, ≥ 95% by 2030). For a year
without its own row the standing commitment is the latest target set for an earlier
year; before the first milestone, the first milestone applies. A field's own target
(đất đai, xây dựng, đầu tư) takes precedence over the overall one; a public service unit
(đơn vị sự nghiệp) is judged on the `public_service` metric when one exists.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
import pandas as pd
import sqlalchemy as sa

from analysis.status import NO_TARGET
from analysis.targets import judge_targets
from survey_app.extensions import db
from survey_app.models import Target

DEFAULT_METRIC = "tthc"  # satisfaction with resolving administrative procedures


@dataclass(frozen=True)
class AppliedTarget:
    value: float
    year: int
    source: str
    scope: str
    scope_code: str | None


def _load(metric: str) -> list[Target]:
    return list(db.session.scalars(sa.select(Target).where(Target.metric == metric)))


def find_target(year: int, scope: str = "overall", scope_code: str | None = None,
                metric: str = DEFAULT_METRIC, rows: list[Target] | None = None
                ) -> AppliedTarget | None:
    rows = _load(metric) if rows is None else rows
    candidates = [t for t in rows if t.scope == scope and t.scope_code == scope_code
                  and t.metric == metric]
    if not candidates:
        return None
    earlier = [t for t in candidates if t.year <= year]
    chosen = max(earlier, key=lambda t: t.year) if earlier else min(candidates,
                                                                       key=lambda t: t.year)
    return AppliedTarget(chosen.value, chosen.year, chosen.source, chosen.scope,
                         chosen.scope_code)


class TargetBook:
    """All targets loaded once per request, with the precedence rules above."""

    def __init__(self, year: int):
        self.year = year
        self.rows = list(db.session.scalars(sa.select(Target)))

    def overall(self) -> AppliedTarget | None:
        return find_target(self.year, rows=self.rows)

    def for_field(self, field_code: str) -> AppliedTarget | None:
        return find_target(self.year, "field", field_code, rows=self.rows) or self.overall()

    def for_unit_kind(self, kind: str) -> AppliedTarget | None:
        return (find_target(self.year, "unit_kind", kind, "public_service", rows=self.rows)
                or self.overall())


def judge(row, target: AppliedTarget | None) -> dict:
    """Status of an engine row against a target: met / below / inconclusive / no_target
    (analysis.status)."""
    return judge_rows(pd.DataFrame([row]), [target])[0]


def judge_rows(rows: pd.DataFrame, targets: list[AppliedTarget | None]) -> list[dict]:
    """judge(row, target) for every row of an engine table, computed as arrays: a national
    dashboard judges 700 units, one scipy call each cost ≈ 2 s (bench/national_scale.py)."""
    out: list[dict] = [{"target": None, "status": NO_TARGET, "p_value": None, "n_needed": None}
                       for _ in targets]
    have = [i for i, t in enumerate(targets) if t is not None]
    if not have:
        return out
    sub = rows.iloc[have]
    deff = sub["deff"].astype(float).to_numpy()
    value = np.array([targets[i].value for i in have], dtype=float)
    j = judge_targets(sub["estimate"].astype(float).to_numpy(), sub["se"].astype(float).to_numpy(),
                      sub["df"].astype(float).to_numpy(), np.where(deff == deff, deff, 1.0),
                      value, n_respondents=sub["n_respondents"].astype(int).to_numpy(),
                      design_df=(sub["design_df"].astype(float).to_numpy()
                                 if "design_df" in sub.columns else None))
    for k, i in enumerate(have):
        nn = float(j["n_needed"][k])
        out[i] = {"target": targets[i].value, "status": str(j["status"][k]),
                  "p_value": float(j["p_value"][k]),
                  "n_needed": int(nn) if math.isfinite(nn) else None}
    return out
