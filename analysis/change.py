"""Change between periods: Newcombe's hybrid score interval for a difference of two
independent proportions, its design-based counterpart for indices, and trend series.

References: Newcombe RG (1998), "Interval estimation for the difference between
independent proportions: comparison of eleven methods", Statistics in Medicine
17:873–890 (method 10); Wilson EB (1927), JASA 22:209–212.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd
from scipy import stats

from analysis.intervals import wilson_interval
from analysis.multiple import adjust_pvalues

__all__ = ["newcombe_difference", "design_difference", "compare_periods", "trend_series"]

KEYS = ("level", "index")


def newcombe_difference(
    x1: np.ndarray, n1: np.ndarray, x2: np.ndarray, n2: np.ndarray, level: float = 0.95
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Difference p₁ − p₂ of independent proportions with Newcombe's hybrid score interval.

    With Wilson intervals (lᵢ, uᵢ) of pᵢ = xᵢ/nᵢ:
    L = p₁ − p₂ − √((p₁ − l₁)² + (u₂ − p₂)²),  U = p₁ − p₂ + √((u₁ − p₁)² + (p₂ − l₂)²).
    Newcombe (1998), method 10: 56/70 − 48/80 = 0.2000, CI 0.0524 to 0.3339.
    Returns ``(difference, low, high)``; x may be fractional (weighted counts).
    """
    x1, n1, x2, n2 = np.broadcast_arrays(*(np.asarray(a, dtype=float) for a in (x1, n1, x2, n2)))
    p1, p2 = x1 / n1, x2 / n2
    l1, u1 = wilson_interval(p1, n1, level)
    l2, u2 = wilson_interval(p2, n2, level)
    d = p1 - p2
    low = d - np.sqrt((p1 - l1) ** 2 + (u2 - p2) ** 2)
    high = d + np.sqrt((u1 - p1) ** 2 + (p2 - l2) ** 2)
    return d, low, high


def design_difference(
    est1: np.ndarray, se1: np.ndarray, est2: np.ndarray, se2: np.ndarray, level: float = 0.95
) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """Difference of two independent design-based estimates (different periods are
    different samples, so the covariance is 0): d = θ₁ − θ₂, se = √(se₁² + se₂²),
    interval d ± z₁₋α/₂·se clipped to [−1, 1], two-sided p = 2(1 − Φ(|d|/se)).

    Returns ``(d, se, low, high, p_value)``; p is NaN where se = 0.
    """
    e1, s1, e2, s2 = (np.asarray(a, dtype=float) for a in (est1, se1, est2, se2))
    d = e1 - e2
    se = np.sqrt(s1**2 + s2**2)
    z = stats.norm.ppf(1 - (1 - level) / 2)
    low, high = np.clip(d - z * se, -1, 1), np.clip(d + z * se, -1, 1)
    with np.errstate(divide="ignore", invalid="ignore"):
        pv = np.where(se > 0, 2 * stats.norm.sf(np.abs(d) / se), np.nan)
    return d, se, low, high, pv


def _newcombe_p(x1: np.ndarray, n1: np.ndarray, x2: np.ndarray, n2: np.ndarray) -> np.ndarray:
    """Two-sided score test of p₁ = p₂ (pooled variance; R ``prop.test(correct=FALSE)``)."""
    with np.errstate(divide="ignore", invalid="ignore"):
        pp = (x1 + x2) / (n1 + n2)
        z = (x1 / n1 - x2 / n2) / np.sqrt(pp * (1 - pp) * (1 / n1 + 1 / n2))
        return np.where(np.isfinite(z), 2 * stats.norm.sf(np.abs(z)), np.nan)


def compare_periods(
    results: pd.DataFrame,
    before: str,
    after: str,
    by: Sequence[str] = (),
    period: str = "period",
    method: str = "design",
    adjust: str = "holm",
    level: float = 0.95,
) -> pd.DataFrame:
    """Change of every index from period ``before`` to ``after``, per ``by`` group.

    ``results``: the engine's index table computed with ``by = [*by, period]``.
    ``method="design"`` uses :func:`design_difference` on the engine's estimates and
    se (valid for every level). ``method="newcombe"`` treats answers as independent,
    x = estimate·n_answers and n = n_answers (sensible for item and pooled indices).
    p-values are adjusted with :func:`analysis.multiple.adjust_pvalues` within each
    (level, index): the family is that index's change across all the ``by`` groups.
    Columns: ``<by…>, level, index, estimate_before, estimate_after, change, ci_low,
    ci_high, se, p_value, p_adjusted, significant, direction, n_before, n_after, method,
    adjustment``.
    """
    if method not in ("design", "newcombe"):
        raise ValueError(f"method must be 'design' or 'newcombe', got {method!r}")
    keys = [*by, *KEYS]
    cols = [*keys, "estimate", "se", "n_respondents", "n_answers"]
    per = results[period].astype(str)
    a = results.loc[per == str(before), cols]
    b = results.loc[per == str(after), cols]
    m = b.merge(a, on=keys, how="inner", suffixes=("_after", "_before"))
    out = m[keys].copy()
    out["estimate_before"] = m["estimate_before"].to_numpy()
    out["estimate_after"] = m["estimate_after"].to_numpy()
    if method == "design":
        d, se, low, high, pv = design_difference(m["estimate_after"], m["se_after"],
                                                 m["estimate_before"], m["se_before"], level)
        label = "design (independent periods)"
    else:
        n2, n1 = m["n_answers_after"].to_numpy(float), m["n_answers_before"].to_numpy(float)
        x2, x1 = m["estimate_after"].to_numpy() * n2, m["estimate_before"].to_numpy() * n1
        d, low, high = newcombe_difference(x2, n2, x1, n1, level)
        with np.errstate(divide="ignore", invalid="ignore"):
            se = np.sqrt(x2 / n2 * (1 - x2 / n2) / n2 + x1 / n1 * (1 - x1 / n1) / n1)
        pv = _newcombe_p(x2, n2, x1, n1)
        label = "newcombe (independent answers)"
    out["change"], out["ci_low"], out["ci_high"], out["se"] = d, low, high, se
    pv = np.asarray(pv, dtype=float)
    out["p_value"] = pv
    fam = out.groupby(list(KEYS), sort=False).ngroup().to_numpy()
    adj = np.full(len(out), np.nan)
    for f in np.unique(fam):  # one family per index: the same change across many groups
        adj[fam == f] = adjust_pvalues(pv[fam == f], adjust)
    out["p_adjusted"] = adj
    out["significant"] = out["p_adjusted"].to_numpy() <= 1 - level
    out["direction"] = np.select(
        [out["significant"] & (d > 0), out["significant"] & (d < 0)],
        ["improved", "worse"], "no clear change")
    out["n_before"] = m["n_respondents_before"].to_numpy()
    out["n_after"] = m["n_respondents_after"].to_numpy()
    out["method"] = label
    out["adjustment"] = {"holm": "Holm", "bh": "Benjamini–Hochberg", "none": "none"}[adjust]
    return out.reset_index(drop=True)


def trend_series(
    results: pd.DataFrame,
    by: Sequence[str] = (),
    period: str = "period",
    level_name: str = "overall",
    index: str | None = None,
    periods: Sequence[str] | None = None,
) -> pd.DataFrame:
    """One row per group and period for one index (default the overall index): the
    engine's ``estimate, ci_low, ci_high, se, n_respondents`` in period order.

    ``periods`` gives the order; by default periods sort as text ("2024-Q4" <
    "2025-Q1"), which is right for ISO-like codes.
    """
    sel = results["level"] == level_name
    sel &= results["index"].astype(str) == (index if index is not None else level_name)
    cols = [*by, period, "estimate", "ci_low", "ci_high", "se", "n_respondents", "method"]
    out = results.loc[sel, cols].copy()
    order = list(periods) if periods is not None else sorted(out[period].astype(str).unique())
    rank = {p: i for i, p in enumerate(order)}
    out = out[out[period].astype(str).isin(rank)]
    out["_o"] = out[period].astype(str).map(rank)
    out = out.sort_values([*by, "_o"], kind="stable").drop(columns="_o")
    return out.reset_index(drop=True)
