"""Targets: is an index at or above the plan's target, with what evidence.

A target is met when the lower bound is at or above it, missed ("below") when the
upper bound is under it, and otherwise "inconclusive" (DOMAIN.md). The one-sided
p-value (H0: index ≤ target) is the test dual to each interval method, so that
``status == "met"`` exactly when ``p_value ≤ (1 − level)/2``.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from analysis.methods import ZERO_TOL
from analysis.status import BELOW, DESCRIPTIVE_ONLY, INCONCLUSIVE, MET, NO_TARGET

__all__ = [
    "target_status",
    "target_p_value",
    "n_needed",
    "independent_answers",
    "DESCRIPTIVE",
    "judge_target",
    "judge_targets",
    "TargetJudgement",
    "apply_targets",
]


def target_status(ci_low: np.ndarray, ci_high: np.ndarray, target: np.ndarray) -> np.ndarray:
    """``met`` if ci_low ≥ target, ``below`` if ci_high < target, else ``inconclusive``."""
    ci_low, ci_high, target = (np.asarray(a, dtype=float) for a in (ci_low, ci_high, target))
    return np.select([ci_low >= target, ci_high < target], [MET, BELOW], INCONCLUSIVE)


def _exact_upper_tail(x: np.ndarray, n: np.ndarray, target: np.ndarray) -> np.ndarray:
    """P(X ≥ x | n, target) extended to real x: I_target(x, n − x + 1); 1 when x = 0.
    Dual to the Clopper–Pearson (and, with n_eff, Korn–Graubard) lower bound."""
    from scipy import special
    with np.errstate(invalid="ignore"):
        tail = special.betainc(np.maximum(x, 1e-300), n - x + 1, target)
    return np.where(x > 0, tail, 1.0)


def target_p_value(
    estimate: np.ndarray,
    se: np.ndarray,
    df: np.ndarray,
    target: np.ndarray,
    method: np.ndarray,
    n_answers: np.ndarray,
    n_respondents: np.ndarray,
    level: float = 0.95,
) -> np.ndarray:
    """One-sided p-value for H0: index ≤ target, per row, by the row's ``method`` label.

    logit: 1 − F_t(df)((logit p − logit t)/(se/(p(1−p)))); beta: exact binomial tail
    with Korn–Graubard's n_eff; wilson: 1 − Φ((p − t)/√(t(1−t)/n)); clopper-pearson:
    exact binomial tail P(X ≥ pn | t); jeffreys: posterior P(θ ≤ t), Beta(x+½, n−x+½);
    ``clopper-pearson (fallback…)``: exact tail with one trial per respondent.
    """
    from scipy import special, stats
    p, se, df, t, n_a, n_r = (
        np.asarray(a, dtype=float)
        for a in (estimate, se, df, target, n_answers, n_respondents)
    )
    method = np.asarray(method, dtype=object).astype(str)
    out = np.full(p.shape, np.nan)
    with np.errstate(divide="ignore", invalid="ignore"):
        m = method == "logit"
        stat = (special.logit(p) - special.logit(t)) / (se / (p * (1 - p)))
        out[m] = stats.t.sf(stat[m], df[m])
        m = method == "beta"
        if m.any():
            ratio = stats.t.ppf((1 - level) / 2, n_a - 1) / stats.t.ppf((1 - level) / 2, df)
            n_eff = p * (1 - p) / se**2 * ratio**2
            out[m] = _exact_upper_tail(n_eff * p, n_eff, t)[m]
        m = np.char.startswith(method, "wilson")
        out[m] = stats.norm.sf((p - t) / np.sqrt(t * (1 - t) / n_a))[m]
        m = method == "clopper-pearson (independent answers)"
        out[m] = _exact_upper_tail(p * n_a, n_a, t)[m]
        m = np.char.startswith(method, "jeffreys")
        out[m] = stats.beta.cdf(t, p * n_a + 0.5, n_a - p * n_a + 0.5)[m]
        m = np.char.startswith(method, "clopper-pearson (fallback")
        out[m] = _exact_upper_tail(p * n_r, n_r, t)[m]
    return np.clip(out, 0.0, 1.0)


#: A variance below this share of the binomial one, p(1−p)/n, is rounding noise of a
#: sum of ratios (1e-33 for a one-respondent cell): it counts as 0.
DEFF_ZERO = 1e-15
#: Status of a row whose interval treats answers as independent: such intervals cover
#: 76–85% with clustered answers, so they give no verdict (docs/analysis.md).
DESCRIPTIVE = DESCRIPTIVE_ONLY  # analysis.status


def independent_answers(method) -> np.ndarray:
    """True where a row's ``method`` treats answers as independent (no verdict)."""
    labels = np.asarray(method, dtype=object).astype(str)
    return np.char.endswith(labels, "(independent answers)")


def n_needed(
    estimate: np.ndarray, target: np.ndarray, deff: np.ndarray, level: float = 0.95,
    df: np.ndarray | None = None, n_respondents: np.ndarray | None = None,
    design_df: np.ndarray | None = None,
) -> np.ndarray:
    """Respondents for the two-sided ``level`` interval to decide against the target,
    at the observed index and design effect (deff per respondent, see ``finish``).

    0 < p < 1: the smallest n with t(1−α/2, n − s)·√(deff/(n p(1−p))) ≤ |logit p −
    logit t|, s = n_respondents − design_df the strata of the cell (the logit interval
    that decides the verdict; normal quantile when ``df`` is not given), and the df at n
    scaled as now, (n − s)·df/design_df (the Satterthwaite share keeps; ``design_df``
    defaults to ``df``); deff missing, 0 or
    below DEFF_ZERO (se = 0: the fallback counts one trial per respondent) counts as 1.
    p = 1: the Clopper–Pearson bound with all satisfied, n = ⌈ln(α/2)/ln t⌉; p = 0:
    n = ⌊ln(α/2)/ln(1−t)⌋ + 1. With ``n_respondents``, never below n_respondents + 1
    (more respondents are needed, or the row would be decided). NaN where p equals the
    target (never decides).
    """
    from scipy import special, stats
    p, t, deff = (np.asarray(a, dtype=float) for a in (estimate, target, deff))
    half_alpha = (1 - level) / 2
    z = stats.norm.ppf(1 - half_alpha)
    deff = np.where(np.isfinite(deff) & (deff > DEFF_ZERO), deff, 1.0)
    with np.errstate(divide="ignore", invalid="ignore"):
        gap = p * (1 - p) * (special.logit(p) - special.logit(t)) ** 2
        out = np.ceil(deff * z**2 / gap - 1e-9)
        if df is not None:
            d_df = np.asarray(df if design_df is None else design_df, dtype=float)
            share = np.where(d_df > 0, np.asarray(df, float) / np.where(d_df > 0, d_df, 1.0),
                             1.0)
            strata = np.ones_like(p)
            if n_respondents is not None:
                strata = np.maximum(np.asarray(n_respondents, float) - d_df, 1.0)
            for _ in range(60):  # t(n − s) falls as n grows: the fixed point from below
                q = stats.t.ppf(1 - half_alpha, np.maximum((out - strata) * share, 1.0))
                new = np.ceil(deff * q**2 / gap - 1e-9)
                new = np.where(np.isfinite(new), np.maximum(new, out), new)
                if np.array_equal(new, out, equal_nan=True):
                    break
                out = new
        out = np.where(p >= 1 - ZERO_TOL, np.ceil(np.log(half_alpha) / np.log(t) - 1e-9), out)
        out = np.where(p <= ZERO_TOL, np.floor(np.log(half_alpha) / np.log1p(-t)) + 1, out)
    out = np.maximum(out, 1.0)
    if n_respondents is not None:
        out = np.maximum(out, np.asarray(n_respondents, dtype=float) + 1)
    return np.where(np.abs(p - t) < ZERO_TOL, np.nan, out)


@dataclass(frozen=True)
class TargetJudgement:
    status: str
    p_value: float
    n_needed: float
    ci_low: float
    ci_high: float


def judge_target(
    estimate: float,
    se: float,
    df: float,
    deff: float,
    target: float,
    level: float = 0.95,
    n_respondents: int | None = None,
    design_df: float | None = None,
) -> TargetJudgement:
    """Judge one index against a target with the default logit interval (for dashboards).

    Interval expit(logit p ± t(df)·se/(p(1−p))), df the engine's (Satterthwaite) df and
    ``design_df`` its design df (for ``n_needed``); when it does not exist (p ∈ {0,1},
    se = 0, df < 1) the Clopper–Pearson fallback with one trial per respondent, which
    needs ``n_respondents`` (else df + 1 is used).
    """
    n_r = n_respondents if n_respondents is not None else df + 1
    row = judge_targets([estimate], [se], [df], [deff], [target], level, [n_r],
                        None if design_df is None else [design_df])
    return TargetJudgement(str(row["status"][0]), float(row["p_value"][0]),
                           float(row["n_needed"][0]), float(row["ci_low"][0]),
                           float(row["ci_high"][0]))


def judge_targets(
    estimate: np.ndarray,
    se: np.ndarray,
    df: np.ndarray,
    deff: np.ndarray,
    target: np.ndarray,
    level: float = 0.95,
    n_respondents: np.ndarray | None = None,
    design_df: np.ndarray | None = None,
) -> dict[str, np.ndarray]:
    """:func:`judge_target` for many indices at once (a dashboard's 700 units): arrays
    ``status, p_value, n_needed, ci_low, ci_high``, one element per index."""
    from analysis.methods import interval_table

    estimate, se, df, deff, target = (np.asarray(a, dtype=float)
                                      for a in (estimate, se, df, deff, target))
    n_r = np.asarray(n_respondents, dtype=float) if n_respondents is not None else df + 1
    tab = interval_table(estimate, se, df, n_r, n_r, "logit", level)
    lo, hi = np.asarray(tab["ci_low"], dtype=float), np.asarray(tab["ci_high"], dtype=float)
    status = target_status(lo, hi, target)
    need = n_needed(tab["p"], target, deff, level, df, n_r, design_df)
    return {"status": status,
            "p_value": target_p_value(tab["p"], tab["se"], df, target, tab["method"], n_r, n_r,
                                      level),
            "n_needed": np.where(status == "inconclusive", need, np.nan),
            "ci_low": lo, "ci_high": hi}


def apply_targets(results: pd.DataFrame, targets: pd.DataFrame, level: float = 0.95
                  ) -> pd.DataFrame:
    """Add ``target, status, p_value, n_needed`` to an index table. The most specific
    target applies: same field and index, then same field any index, then any field
    same index, then any field any index. Without a ``field`` column only any-field
    targets apply. Rows without a target get status ``no_target`` (analysis.status) and
    no p-value; rows whose interval treats answers as independent (wilson,
    clopper-pearson, jeffreys) get ``descriptive_only`` and no p-value: no verdict.
    ``n_needed`` is given for ``inconclusive`` rows only."""
    out = results.copy()
    field = out["field"].astype(str) if "field" in out.columns else pd.Series("", index=out.index)
    index = out["index"].astype(str)
    target = pd.Series(np.nan, index=out.index)
    lookup = {(s, f): t for s, f, t in targets.itertuples(index=False)}
    for scope_key, field_key in ((index, field), ("", field), (index, ""), ("", "")):
        keys = pd.Series(list(zip(
            scope_key if isinstance(scope_key, pd.Series) else [scope_key] * len(out),
            field_key if isinstance(field_key, pd.Series) else [field_key] * len(out),
            strict=True)), index=out.index)
        target = target.fillna(keys.map(lookup))
    t = target.to_numpy(dtype=float)
    has = np.isfinite(t)
    out["target"] = t
    status = target_status(out["ci_low"], out["ci_high"], t).astype(object)
    descriptive = has & independent_answers(out["method"])
    status[descriptive] = DESCRIPTIVE
    status[~has] = NO_TARGET
    out["status"] = status
    judged = status != NO_TARGET
    judged &= status != DESCRIPTIVE
    p_value = target_p_value(out["estimate"], out["se"], out["df"], t, out["method"],
                             out["n_answers"], out["n_respondents"], level)
    out["p_value"] = np.where(judged, p_value, np.nan)
    need = n_needed(out["estimate"], t, out["deff"], level, out["df"], out["n_respondents"],
                    out["design_df"] if "design_df" in out.columns else None)
    need = np.where(status == "inconclusive", need, np.nan)
    out["n_needed"] = pd.array(need, dtype="Float64")
    out["n_needed"] = out["n_needed"].round().astype("Int64")
    return out
