"""Many comparisons at once: Holm or Benjamini–Hochberg adjustment, and flagging
indices that are below their target with the family-wise or false-discovery rate
controlled.

statsmodels' ``multipletests`` defaults to Holm–Šidák; we always pass the method
explicitly and name it in the output (``adjustment`` column).

References: Holm (1979), Scand. J. Statist. 6:65–70; Benjamini & Hochberg (1995),
J. R. Statist. Soc. B 57:289–300.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from analysis.choices import ADJUSTMENTS
from analysis.targets import independent_answers, target_p_value

__all__ = ["ADJUSTMENTS", "adjust_pvalues", "flag_below_target"]


def adjust_pvalues(p_values: np.ndarray, method: str = "holm") -> np.ndarray:
    """Adjusted p-values; NaN entries stay NaN and are not counted in the family.

    Holm: p̃₍ᵢ₎ = maxⱼ≤ᵢ min(1, (m − j + 1)·p₍ⱼ₎); BH: p̃₍ᵢ₎ = minⱼ≥ᵢ min(1, m·p₍ⱼ₎/j),
    with p₍₁₎ ≤ … ≤ p₍ₘ₎ the m finite p-values. ``method="none"`` returns them as is.
    """
    if method not in ADJUSTMENTS:
        raise ValueError(f"method must be one of {tuple(ADJUSTMENTS)}, got {method!r}")
    p = np.asarray(p_values, dtype=float)
    out = np.full(p.shape, np.nan)
    ok = np.isfinite(p)
    if not ok.any():
        return out
    if ADJUSTMENTS[method] is None:
        out[ok] = p[ok]
        return out
    # statsmodels takes seconds to import: only when p-values are actually adjusted.
    from statsmodels.stats.multitest import multipletests

    out[ok] = multipletests(p[ok], alpha=0.05, method=ADJUSTMENTS[method])[1]
    return out


def flag_below_target(
    results: pd.DataFrame,
    method: str = "holm",
    alpha: float = 0.025,
    level: float = 0.95,
) -> pd.DataFrame:
    """Add ``p_below, p_below_adjusted, below_adjusted, adjustment`` to an index table
    that has ``target`` (e.g. from :func:`analysis.targets.apply_targets`).

    ``p_below`` is the one-sided p-value of H0: index ≥ target, by the row's interval
    method. It is the engine's "met" test mirrored: H0: θ ≥ t ⇔ 1 − θ ≤ 1 − t, so
    ``target_p_value(1 − p, se, df, 1 − t, …)`` (every method there is symmetric under
    p → 1 − p). The family is every row with a target; ``alpha`` is one-sided
    (0.025 matches the "below" rule of a two-sided 95% interval when m = 1).
    """
    out = results.copy()
    t = out["target"].to_numpy(dtype=float)
    p = out["estimate"].to_numpy(dtype=float)
    # Rows of answer-independent intervals give no verdict, in either direction.
    has = np.isfinite(t) & ~independent_answers(out["method"])
    p_below = np.full(len(out), np.nan)
    if has.any():
        p_below[has] = target_p_value(
            1 - p[has], out["se"].to_numpy(dtype=float)[has], out["df"].to_numpy(dtype=float)[has],
            1 - t[has], out["method"].to_numpy()[has], out["n_answers"].to_numpy()[has],
            out["n_respondents"].to_numpy()[has], level,
        )
    out["p_below"] = p_below
    out["p_below_adjusted"] = adjust_pvalues(p_below, method)
    out["below_adjusted"] = out["p_below_adjusted"].to_numpy() <= alpha
    out["adjustment"] = {"holm": "Holm", "bh": "Benjamini–Hochberg", "none": "none"}[method]
    return out
