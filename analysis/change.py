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

from analysis.intervals import wilson_interval
from analysis.methods import ZERO_TOL
from analysis.multiple import adjust_pvalues

__all__ = ["newcombe_difference", "design_difference", "joint_change", "compare_periods",
           "trend_series"]

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
    est1: np.ndarray, se1: np.ndarray, est2: np.ndarray, se2: np.ndarray, level: float = 0.95,
    df1: np.ndarray | None = None, df2: np.ndarray | None = None,
    cov: np.ndarray | float = 0.0, df: np.ndarray | None = None,
) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """Difference of two design-based estimates: d = θ₁ − θ₂, se = √(se₁² + se₂² − 2·cov)
    (``cov`` from the joint design, see :func:`joint_change`; 0 for separate samples
    without common strata), interval d ± q·se clipped to [−1, 1], two-sided p.

    q = t(1−α/2, df): ``df`` if given (the joint design's), else Welch–Satterthwaite
    from ``df1, df2``, else the normal quantile. No test where either side is degenerate
    (se = 0, estimate 0 or 1, df < 1): its interval and p are NaN ("not enough
    evidence"); a one-respondent cell's 0 variance is not an exact estimate.

    Returns ``(d, se, low, high, p_value)``.
    """
    from scipy import stats
    e1, s1, e2, s2 = (np.asarray(a, dtype=float) for a in (est1, se1, est2, se2))
    d = e1 - e2
    se = np.sqrt(np.maximum(s1**2 + s2**2 - 2 * np.asarray(cov, dtype=float), 0.0))
    half = 1 - (1 - level) / 2
    with np.errstate(divide="ignore", invalid="ignore"):
        if df is not None:
            dof = np.asarray(df, dtype=float)
        elif df1 is not None and df2 is not None:
            f1, f2 = np.asarray(df1, dtype=float), np.asarray(df2, dtype=float)
            dof = (s1**2 + s2**2) ** 2 / (s1**4 / f1 + s2**4 / f2)
        else:
            dof = np.full(d.shape, np.inf)
        q = np.where(np.isfinite(dof), stats.t.ppf(half, dof), stats.norm.ppf(half))
        pv = 2 * np.where(np.isfinite(dof), stats.t.sf(np.abs(d) / se, dof),
                          stats.norm.sf(np.abs(d) / se))
    bad = ~((s1 > ZERO_TOL) & (s2 > ZERO_TOL) & (se > 0) & np.isfinite(q))
    for e in (e1, e2):
        bad |= (e <= ZERO_TOL) | (e >= 1 - ZERO_TOL)
    if df1 is not None:
        bad |= np.asarray(df1, dtype=float) < 1
    if df2 is not None:
        bad |= np.asarray(df2, dtype=float) < 1
    low = np.where(bad, np.nan, np.clip(d - q * se, -1, 1))
    high = np.where(bad, np.nan, np.clip(d + q * se, -1, 1))
    return d, se, low, high, np.where(bad, np.nan, pv)


def _newcombe_p(x1: np.ndarray, n1: np.ndarray, x2: np.ndarray, n2: np.ndarray) -> np.ndarray:
    """Two-sided score test of p₁ = p₂ (pooled variance; R ``prop.test(correct=FALSE)``)."""
    from scipy import stats
    with np.errstate(divide="ignore", invalid="ignore"):
        pp = (x1 + x2) / (n1 + n2)
        z = (x1 / n1 - x2 / n2) / np.sqrt(pp * (1 - pp) * (1 / n1 + 1 / n2))
        return np.where(np.isfinite(z), 2 * stats.norm.sf(np.abs(z)), np.nan)


def joint_change(
    answers: pd.DataFrame, before: str, after: str, by: Sequence[str] = (),
    period: str = "period", element_rule: str = "mean",
) -> pd.DataFrame:
    """Variance of the change of every index in ONE design over both periods (the
    respondent the cluster, ``stratum`` the strata), as R's ``svyby(~y, ~period, …)``
    followed by ``svycontrast``: with zᵢ the linearised score of respondent i for its
    own period's cell (0 for the other period),
    V(θ_after − θ_before) = Σₕ nₕ/(nₕ−1)·(Σz²ₐ + Σz²_b − (Σzₐ − Σz_b)²/nₕ), nₕ over
    both periods (a lonely PSU adds its Σz² uncentred). The cross term is the
    covariance the strata put between periods: the separate formula √(se₁² + se₂²)
    leaves it out. df = respondents of both cells − strata among them.

    Returns ``<by…>, level, index, se, df`` of the change.
    """
    from analysis.answers import encode_answers, with_design_defaults
    from analysis.engine import pass1_sums, pass2_sums, score_coefficients

    by = list(by)
    df = answers[answers[period].astype(str).isin([str(before), str(after)])]
    df = df.assign(**{period: df[period].astype(str)})
    df = with_design_defaults(df)
    coded = encode_answers(df, [*by, period])
    item_sums, sizes = pass1_sums(coded)
    coef = score_coefficients(item_sums, coded.items, [*by, period], element_rule)
    scores = pass2_sums(coded, coef)
    keys = [*by, *KEYS, "stratum"]
    scores = scores.assign(**{period: scores[period].astype(str)})
    for col in by:
        scores[col] = np.asarray(scores[col], dtype=object)
    a = scores[scores[period] == str(after)][[*keys, "n_respondents", "sum_z", "sum_z2"]]
    b = scores[scores[period] == str(before)][[*keys, "n_respondents", "sum_z", "sum_z2"]]
    m = a.merge(b, on=keys, how="outer", suffixes=("_a", "_b")).fillna(
        {c: 0 for c in ("n_respondents_a", "n_respondents_b", "sum_z_a", "sum_z_b",
                        "sum_z2_a", "sum_z2_b")})
    n_h = m["stratum"].map(dict(zip(sizes["stratum"], sizes["n_psu"], strict=True)))
    n_h = n_h.to_numpy(dtype=float)
    s1 = (m["sum_z_a"] - m["sum_z_b"]).to_numpy(dtype=float)
    s2 = (m["sum_z2_a"] + m["sum_z2_b"]).to_numpy(dtype=float)
    with np.errstate(divide="ignore", invalid="ignore"):
        v = np.where(n_h > 1, n_h / (n_h - 1) * (s2 - s1 * s1 / n_h), s2)
    m["_v"] = np.maximum(v, 0.0)
    m["_n"] = m["n_respondents_a"] + m["n_respondents_b"]
    return_cols = [*by, *KEYS]
    out = m.groupby(return_cols, sort=False, dropna=False).agg(
        var=("_v", "sum"), n=("_n", "sum"), strata=("_v", "size")).reset_index()
    out["se"] = np.sqrt(out["var"].to_numpy())
    out["df"] = (out["n"] - out["strata"]).to_numpy(dtype=float)
    return out[[*return_cols, "se", "df"]]


def compare_periods(
    results: pd.DataFrame,
    before: str,
    after: str,
    by: Sequence[str] = (),
    period: str = "period",
    method: str = "design",
    adjust: str = "holm",
    level: float = 0.95,
    answers: pd.DataFrame | None = None,
    element_rule: str = "mean",
) -> pd.DataFrame:
    """Change of every index from period ``before`` to ``after``, per ``by`` group.

    With ``answers`` (the table ``results`` came from, with its ``stratum``), the design
    method takes se and df from :func:`joint_change` (both periods in one design: the
    covariance strata put between periods is included); without, the separate-samples
    formula with Welch–Satterthwaite df. Either way the interval and p use t(df), and a
    pair where either side has se = 0, an estimate of 0 or 1, or df < 1 gets no test:
    direction ``not enough evidence``. Newcombe intervals are written for item and
    pooled rows only (answers of one ratio); element and overall rows get none.

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
    cols = [*keys, "estimate", "se", "df", "n_respondents", "n_answers"]
    per = results[period].astype(str)
    a = results.loc[per == str(before), cols]
    b = results.loc[per == str(after), cols]
    m = b.merge(a, on=keys, how="inner", suffixes=("_after", "_before"))
    out = m[keys].copy()
    out["estimate_before"] = m["estimate_before"].to_numpy()
    out["estimate_after"] = m["estimate_after"].to_numpy()
    if method == "design":
        joint_df = None
        label = "design (independent periods)"
        if answers is not None:
            joint = joint_change(answers, before, after, by, period, element_rule)
            as_text = {c: str for c in [*by, "index"]}
            j = m[keys].astype(as_text).merge(joint.astype(as_text), on=keys, how="left")
            var_sep = m["se_after"].to_numpy() ** 2 + m["se_before"].to_numpy() ** 2
            # cov such that se_after² + se_before² − 2cov = the joint variance
            cov = (var_sep - j["se"].to_numpy() ** 2) / 2
            joint_df = j["df"].to_numpy()
            label = "design (joint, both periods)"
        else:
            cov = 0.0
        d, se, low, high, pv = design_difference(
            m["estimate_after"], m["se_after"], m["estimate_before"], m["se_before"], level,
            m["df_after"], m["df_before"], cov=cov, df=joint_df)
    else:
        n2, n1 = m["n_answers_after"].to_numpy(float), m["n_answers_before"].to_numpy(float)
        x2, x1 = m["estimate_after"].to_numpy() * n2, m["estimate_before"].to_numpy() * n1
        d, low, high = newcombe_difference(x2, n2, x1, n1, level)
        with np.errstate(divide="ignore", invalid="ignore"):
            se = np.sqrt(x2 / n2 * (1 - x2 / n2) / n2 + x1 / n1 * (1 - x1 / n1) / n1)
        pv = _newcombe_p(x2, n2, x1, n1)
        # Newcombe's interval is for one proportion's answers: not for means of ratios
        ratio = m["level"].isin(["item", "pooled"]).to_numpy()
        low, high, se, pv = (np.where(ratio, v, np.nan) for v in (low, high, se, pv))
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
        [np.isnan(pv), out["significant"] & (d > 0), out["significant"] & (d < 0)],
        ["not enough evidence", "improved", "worse"], "no clear change")
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
