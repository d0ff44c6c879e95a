"""Confidence intervals for a proportion or a mean of proportions, vectorised.

Every function takes numpy arrays (broadcastable) and returns ``(low, high)`` arrays.
The design-based methods follow R ``survey`` 4.1.1 ``svyciprop``; the
independent-answers methods follow Newcombe (1998), Clopper & Pearson (1934) and
Brown, Cai & DasGupta (2001). See docs/analysis.md for the exact conventions.
"""

from __future__ import annotations

import numpy as np

__all__ = [
    "logit_interval",
    "korn_graubard_interval",
    "wilson_interval",
    "clopper_pearson_interval",
    "jeffreys_interval",
]


def _alpha(level: float) -> float:
    if not 0.0 < level < 1.0:
        raise ValueError(f"level must be in (0, 1), got {level}")
    return 1.0 - level


def logit_interval(
    p: np.ndarray, se: np.ndarray, df: np.ndarray, level: float = 0.95
) -> tuple[np.ndarray, np.ndarray]:
    """Interval on the logit scale (R ``svyciprop(method = "logit")``).

    ``expit(logit(p) ± t(1 − α/2, df) · se / (p(1 − p)))``: the delta method moves the
    linearised standard error of ``p`` to the logit scale. Defined only for
    0 < p < 1, se > 0 and df ≥ 1; elsewhere the result is NaN and the caller applies
    the documented fallback.
    """
    from scipy import special, stats
    p, se, df = np.broadcast_arrays(*(np.asarray(a, dtype=float) for a in (p, se, df)))
    ok = (p > 0) & (p < 1) & (se > 0) & (df >= 1)
    low = np.full(p.shape, np.nan)
    high = np.full(p.shape, np.nan)
    if ok.any():
        t = stats.t.ppf(1 - _alpha(level) / 2, df[ok])
        half = t * se[ok] / (p[ok] * (1 - p[ok]))
        centre = special.logit(p[ok])
        low[ok] = special.expit(centre - half)
        high[ok] = special.expit(centre + half)
    return low, high


def korn_graubard_interval(
    p: np.ndarray, se: np.ndarray, df: np.ndarray, n_answers: np.ndarray, level: float = 0.95
) -> tuple[np.ndarray, np.ndarray]:
    """Korn–Graubard (1998) interval, as R ``svyciprop(method = "beta")``.

    ``n_eff = p(1−p)/se² · (t(α/2, n_answers − 1) / t(α/2, df))²``; interval
    ``[qbeta(α/2, n_eff·p, n_eff(1−p)+1), qbeta(1−α/2, n_eff·p+1, n_eff(1−p))]``.
    NaN where it does not exist (p ∈ {0, 1}, se = 0, df < 1, n_answers < 2).
    """
    from scipy import stats
    p, se, df, n = np.broadcast_arrays(
        *(np.asarray(a, dtype=float) for a in (p, se, df, n_answers))
    )
    ok = (p > 0) & (p < 1) & (se > 0) & (df >= 1) & (n >= 2)
    low = np.full(p.shape, np.nan)
    high = np.full(p.shape, np.nan)
    if ok.any():
        a = _alpha(level)
        ratio = stats.t.ppf(a / 2, n[ok] - 1) / stats.t.ppf(a / 2, df[ok])
        n_eff = p[ok] * (1 - p[ok]) / se[ok] ** 2 * ratio**2
        x = n_eff * p[ok]
        low[ok] = stats.beta.ppf(a / 2, x, n_eff - x + 1)
        high[ok] = stats.beta.ppf(1 - a / 2, x + 1, n_eff - x)
    return low, high


def wilson_interval(
    p: np.ndarray, n: np.ndarray, level: float = 0.95
) -> tuple[np.ndarray, np.ndarray]:
    """Wilson score interval without continuity correction (Newcombe 1998, method 3;
    R ``prop.test(x, n, correct = FALSE)``), answers treated as independent."""
    from scipy import stats
    p, n = np.broadcast_arrays(np.asarray(p, dtype=float), np.asarray(n, dtype=float))
    z = stats.norm.ppf(1 - _alpha(level) / 2)
    denom = 1 + z**2 / n
    centre = (p + z**2 / (2 * n)) / denom
    half = z * np.sqrt(p * (1 - p) / n + z**2 / (4 * n**2)) / denom
    return np.clip(centre - half, 0.0, 1.0), np.clip(centre + half, 0.0, 1.0)


def clopper_pearson_interval(
    p: np.ndarray, n: np.ndarray, level: float = 0.95
) -> tuple[np.ndarray, np.ndarray]:
    """Clopper–Pearson exact interval (R ``binom.test``) with x = p·n successes.

    x may be fractional (weighted p); the beta-quantile form extends naturally.
    Lower bound 0 when x = 0, upper bound 1 when x = n.
    """
    from scipy import stats
    p, n = np.broadcast_arrays(np.asarray(p, dtype=float), np.asarray(n, dtype=float))
    a = _alpha(level)
    x = p * n
    with np.errstate(invalid="ignore", divide="ignore"):
        low = np.where(x > 0, stats.beta.ppf(a / 2, np.maximum(x, 1e-300), n - x + 1), 0.0)
        high = np.where(x < n, stats.beta.ppf(1 - a / 2, x + 1, np.maximum(n - x, 1e-300)), 1.0)
    return low, high


def jeffreys_interval(
    p: np.ndarray, n: np.ndarray, level: float = 0.95
) -> tuple[np.ndarray, np.ndarray]:
    """Equal-tailed Jeffreys interval, Beta(x + ½, n − x + ½) quantiles, with the
    boundary modification of Brown, Cai & DasGupta (2001): lower 0 when x = 0,
    upper 1 when x = n."""
    from scipy import stats
    p, n = np.broadcast_arrays(np.asarray(p, dtype=float), np.asarray(n, dtype=float))
    a = _alpha(level)
    x = p * n
    low = np.where(x > 0, stats.beta.ppf(a / 2, x + 0.5, n - x + 0.5), 0.0)
    high = np.where(x < n, stats.beta.ppf(1 - a / 2, x + 0.5, n - x + 0.5), 1.0)
    return low, high
