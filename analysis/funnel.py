"""Funnel plots (Spiegelhalter 2005): each unit's index against its effective number of
respondents, with control limits around the target (issue 17 item 2).

A unit's precision is its design-based one: n_eff = θ(1−θ)/se² (the respondents
divided by the design effect, so answers clustered in respondents count once), or the
respondents where se = 0 or θ ∈ {0, 1} (one trial per respondent, as the fallback
interval). Under the target t its standard error is sᵢ = √(t(1−t)/n_effᵢ) and the
limits are t ± z(1−α/2)·sᵢ at 95% and 99.8%.

Overdispersion (more spread between units than sampling explains): ``multiplicative``
inflates sᵢ by √φ, φ = the mean of the 10%-winsorised zᵢ², when φ > 1; ``additive``
adds a between-unit variance τ² (DerSimonian–Laird from the same φ):
τ² = max(0, (Iφ − (I − 1)) / (Σwᵢ − Σwᵢ²/Σwᵢ)), wᵢ = 1/sᵢ² (Spiegelhalter 2005, §3).
"""

from __future__ import annotations

import numpy as np
import pandas as pd
from scipy import stats

__all__ = ["OVERDISPERSION", "LEVELS", "funnel_limits", "funnel_table"]

OVERDISPERSION = ("none", "multiplicative", "additive")
LEVELS = (0.95, 0.998)


def _winsorised_mean_square(z: np.ndarray, trim: float) -> float:
    lo, hi = np.quantile(z, [trim, 1 - trim])
    return float(np.mean(np.clip(z, lo, hi) ** 2))


def funnel_limits(target: float, n_eff: np.ndarray, level: float, scale: float = 1.0,
                  tau2: float = 0.0) -> tuple[np.ndarray, np.ndarray]:
    """Control limits t ± z(1−α/2)·√(scale·t(1−t)/n_eff + τ²), clipped to [0, 1]."""
    n_eff = np.asarray(n_eff, dtype=float)
    sd = np.sqrt(scale * target * (1 - target) / n_eff + tau2)
    q = stats.norm.ppf(1 - (1 - level) / 2)
    return np.clip(target - q * sd, 0, 1), np.clip(target + q * sd, 0, 1)


def funnel_table(table: pd.DataFrame, target: float, overdispersion: str = "none",
                 trim: float = 0.1) -> tuple[pd.DataFrame, dict]:
    """``(rows, fit)``. ``table``: one row per unit with ``estimate, se,
    n_respondents`` (an engine table filtered to one index). ``rows`` adds ``n_eff, z,
    low_95, high_95, low_998, high_998, outside_95, outside_998`` (``above``, ``below``
    or ``""``); ``fit`` = ``{"overdispersion", "phi", "scale", "tau2", "units",
    "target"}`` to print on
    the figure; ``scale`` is the factor applied to the variance, 1 unless
    multiplicative with φ > 1)."""
    if overdispersion not in OVERDISPERSION:
        raise ValueError(f"overdispersion must be one of {OVERDISPERSION}")
    if not 0 < target < 1:
        raise ValueError(f"target must be in (0, 1), got {target}")
    out = table.copy()
    p = out["estimate"].to_numpy(dtype=float)
    se = out["se"].to_numpy(dtype=float)
    n = out["n_respondents"].to_numpy(dtype=float)
    ok = (se > 0) & (p > 0) & (p < 1)
    with np.errstate(divide="ignore", invalid="ignore"):
        n_eff = np.where(ok, p * (1 - p) / se**2, n)
    s2 = target * (1 - target) / n_eff
    z = (p - target) / np.sqrt(s2)
    phi = _winsorised_mean_square(z, trim) if len(z) else np.nan
    tau2, scale = 0.0, 1.0
    if overdispersion == "multiplicative" and phi > 1:
        scale = phi
    elif overdispersion == "additive" and len(z) > 1:
        w = 1 / s2
        tau2 = max(0.0, (len(z) * phi - (len(z) - 1)) / (w.sum() - (w**2).sum() / w.sum()))
    out["n_eff"] = n_eff
    out["z"] = (p - target) / np.sqrt(scale * s2 + tau2)
    for level, tag in zip(LEVELS, ("95", "998"), strict=True):
        lo, hi = funnel_limits(target, n_eff, level, scale, tau2)
        out[f"low_{tag}"], out[f"high_{tag}"] = lo, hi
        out[f"outside_{tag}"] = np.select([p > hi, p < lo], ["above", "below"], "")
    fit = {"overdispersion": overdispersion, "phi": phi, "scale": scale, "tau2": tau2,
           "units": len(out), "target": target}
    return out, fit
