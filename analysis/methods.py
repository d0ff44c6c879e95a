"""Interval method dispatch, with the documented fallbacks for degenerate cells.

Design-based methods (``logit``, ``beta``) use the linearised SE and df. Where their
interval does not exist — p = 0 or 1, se = 0, df = 0 (one respondent, or every
respondent alone in its stratum) — the row gets a Clopper–Pearson interval with one
trial per respondent (n = respondents, x = p·n), the conservative end of the design
effect range, and its ``method`` says so, e.g. ``clopper-pearson (fallback: p=1)``.
The independent-answers methods (``wilson``, ``clopper-pearson``, ``jeffreys``) use
n = answers and se = √(p(1−p)/n); their ``method`` ends in ``(independent answers)``.
"""

from __future__ import annotations

import numpy as np

from analysis.choices import METHODS
from analysis.intervals import (
    clopper_pearson_interval,
    jeffreys_interval,
    korn_graubard_interval,
    logit_interval,
    wilson_interval,
)

__all__ = ["METHODS", "interval_table", "ZERO_TOL"]

#: |p| or |1 − p| below this is 0 or 1 (floating-point noise of a sum of ratios);
#: se below it is 0 (a variance that cancels exactly in exact arithmetic).
ZERO_TOL = 1e-12

_INDEPENDENT = {
    "wilson": wilson_interval,
    "clopper-pearson": clopper_pearson_interval,
    "jeffreys": jeffreys_interval,
}


def interval_table(
    p: np.ndarray,
    se: np.ndarray,
    df: np.ndarray,
    n_answers: np.ndarray,
    n_respondents: np.ndarray,
    method: str = "logit",
    level: float = 0.95,
) -> dict[str, np.ndarray]:
    """Return ``ci_low, ci_high, se, method`` arrays (``estimate`` snapped to 0/1 as
    ``p``) for one method; never NaN for a cell with at least one answer."""
    if method not in METHODS:
        raise ValueError(f"method must be one of {METHODS}, got {method!r}")
    p = np.asarray(p, dtype=float).copy()
    p[np.abs(p) < ZERO_TOL] = 0.0
    p[np.abs(1 - p) < ZERO_TOL] = 1.0
    se = np.asarray(se, dtype=float).copy()
    se[se < ZERO_TOL] = 0.0
    n_answers = np.asarray(n_answers, dtype=float)
    n_resp = np.asarray(n_respondents, dtype=float)
    df = np.asarray(df, dtype=float)
    if method in _INDEPENDENT:
        low, high = _INDEPENDENT[method](p, n_answers, level)
        label = np.full(p.shape, f"{method} (independent answers)", dtype=object)
        return {"ci_low": low, "ci_high": high, "p": p, "method": label,
                "se": np.sqrt(p * (1 - p) / n_answers)}
    if method == "logit":
        low, high = logit_interval(p, se, df, level)
    else:
        low, high = korn_graubard_interval(p, se, df, n_answers, level)
    label = np.full(p.shape, method, dtype=object)
    reason = np.select(
        [p == 0, p == 1, df < 1, se == 0, ~np.isfinite(low) | ~np.isfinite(high)],
        ["p=0", "p=1", "df=0", "se=0", "undefined"],
        default="",
    )
    fb = reason != ""
    if fb.any():
        fl, fh = clopper_pearson_interval(p[fb], n_resp[fb], level)
        low[fb], high[fb] = fl, fh
        label[fb] = np.char.add("clopper-pearson (fallback: ", reason[fb].astype(str)) + ")"
    return {"ci_low": low, "ci_high": high, "se": se, "p": p, "method": label}
