"""Instrument reliability per element: Cronbach's alpha with Feldt's interval, and
item–rest correlations (a broken item correlates weakly with the rest of its element
and raises alpha when dropped).

References: Cronbach LJ (1951), Psychometrika 16:297–334; Feldt LS (1965),
Psychometrika 30:357–370 (F-based interval); Feldt, Woodruff & Salih (1987), Appl.
Psychol. Meas. 11:93–103. Textbook check: Denis DJ (2016), Applied Univariate,
Bivariate, and Multivariate Statistics, Wiley, ch. 2 (5 items, 10 cases, α = 0.633).
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd

__all__ = ["cronbach_alpha", "feldt_interval", "item_rest", "item_matrix", "reliability_table"]


def cronbach_alpha(scores: np.ndarray) -> float:
    """α = k/(k − 1)·(1 − Σⱼ s²ⱼ / s²ₜ) for an n × k matrix of complete scores, with
    sample variances (ddof = 1) of the items sⱼ² and of the total tᵢ = Σⱼ xᵢⱼ.
    NaN when k < 2, n < 2 or the total has no variance."""
    x = np.asarray(scores, dtype=float)
    n, k = x.shape
    if k < 2 or n < 2:
        return float("nan")
    total_var = x.sum(axis=1).var(ddof=1)
    if total_var <= 0:
        return float("nan")
    return float(k / (k - 1) * (1 - x.var(axis=0, ddof=1).sum() / total_var))


def feldt_interval(alpha: np.ndarray, n: np.ndarray, k: np.ndarray, level: float = 0.95
                   ) -> tuple[np.ndarray, np.ndarray]:
    """Feldt (1965): (1 − α)/(1 − α̂) ~ F(n − 1, (n − 1)(k − 1)), so
    [1 − (1 − α̂)·F₁₋γ/₂, 1 − (1 − α̂)·Fγ/₂] with γ = 1 − level.
    Example (Evans, MRC CBU statswiki): α̂ = 0.913, n = 873, k = 20 → 0.9044–0.9212."""
    from scipy import stats
    a, n, k = (np.asarray(v, dtype=float) for v in (alpha, n, k))
    d1, d2 = n - 1, (n - 1) * (k - 1)
    g = 1 - level
    with np.errstate(invalid="ignore"):
        low = 1 - (1 - a) * stats.f.ppf(1 - g / 2, d1, d2)
        high = 1 - (1 - a) * stats.f.ppf(g / 2, d1, d2)
    return low, high


def item_rest(scores: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Per item j: Pearson correlation of xⱼ with the rest score Σₗ≠ⱼ xₗ (SPSS's
    "corrected item-total correlation") and alpha if item j is deleted (vectorised)."""
    x = np.asarray(scores, dtype=float)
    n, k = x.shape
    rest = x.sum(axis=1, keepdims=True) - x
    xc, rc = x - x.mean(axis=0), rest - rest.mean(axis=0)
    with np.errstate(invalid="ignore", divide="ignore"):
        r = (xc * rc).sum(axis=0) / np.sqrt((xc**2).sum(axis=0) * (rc**2).sum(axis=0))
        item_var = x.var(axis=0, ddof=1)
        rest_var = rest.var(axis=0, ddof=1)
        # alpha of the rest is undefined when the rest has no variance: NaN, not -inf
        drop = np.where(rest_var > 0, (k - 1) / (k - 2) * (1 - (item_var.sum() - item_var)
                                                           / rest_var), np.nan) \
            if k > 2 else np.full(k, np.nan)
    return r, drop


def item_matrix(answers: pd.DataFrame, items: Sequence[str]) -> np.ndarray:
    """Complete-case n × k matrix of 1–5 scores for ``items`` (respondents who answered
    every one of them; "không áp dụng" makes a respondent drop out of that element)."""
    sub = answers[answers["item"].isin(items)]
    wide = sub.pivot_table(index="response_id", columns="item", values="value", aggfunc="first")
    wide = wide.reindex(columns=list(items)).dropna()
    return wide.to_numpy(dtype=float)


def reliability_table(answers: pd.DataFrame, by: Sequence[str] = (), level: float = 0.95,
                      weak_item: float = 0.3) -> pd.DataFrame:
    """One row per (group, element, item): element alpha and Feldt interval, complete
    cases n, items k, and the item's item–rest correlation and alpha if deleted.
    ``flag`` marks an item with item–rest r < ``weak_item`` or whose deletion raises
    alpha (a candidate broken item). Elements with one item have no alpha."""
    rows = []
    groups = answers.groupby(list(by), sort=False) if by else [((), answers)]
    for key, g in groups:
        key = key if isinstance(key, tuple) else (key,)
        for element, ge in g.groupby("element", sort=False):
            items = list(dict.fromkeys(ge["item"]))
            x = item_matrix(ge, items)
            a = cronbach_alpha(x) if len(items) > 1 else float("nan")
            low, high = feldt_interval(a, len(x), len(items), level)
            r, drop = item_rest(x) if len(x) > 1 and len(items) > 1 else (
                np.full(len(items), np.nan), np.full(len(items), np.nan))
            for j, item in enumerate(items):
                rows.append((*key, element, item, a, float(low), float(high), len(x), len(items),
                             r[j], drop[j]))
    cols = [*by, "element", "item", "alpha", "alpha_low", "alpha_high", "n_complete", "k_items",
            "item_rest_r", "alpha_if_deleted"]
    out = pd.DataFrame(rows, columns=cols)
    out["flag"] = (out["item_rest_r"] < weak_item) | (out["alpha_if_deleted"] > out["alpha"])
    return out
