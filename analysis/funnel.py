"""Funnel plots (Spiegelhalter 2005): each unit's index against its effective number of
respondents, with control limits around the target (issue 17 item 2).

A unit's precision is design-based: n_eff = respondents / design effect, so answers
clustered in respondents count once. ``design_effect="common"`` (default) uses the
median over units of each unit's deff = se²·n/(θ(1−θ)); ``"unit"`` uses each unit's
own, which is noisy for small units (with it, 6–9% of small units at the target fell
outside the 95% limits instead of 5%: bench/funnel_coverage.py). A unit with se = 0 or
θ ∈ {0, 1} counts deff 1 under ``"unit"``. Under the target t a unit's standard error
is sᵢ = √(t(1−t)/n_effᵢ) and the limits t ± z(1−α/2)·sᵢ at 95% and 99.8%.

Overdispersion (more spread between units than sampling explains): ``multiplicative``
inflates sᵢ by √φ, φ = the mean of the 10%-winsorised zᵢ², when φ > 1; ``additive``
adds a between-unit variance τ² (DerSimonian–Laird from the same φ):
τ² = max(0, (Iφ − (I − 1)) / (Σwᵢ − Σwᵢ²/Σwᵢ)), wᵢ = 1/sᵢ² (Spiegelhalter 2005, §3).
"""

from __future__ import annotations

import numpy as np
import pandas as pd
from scipy import stats

from analysis.choices import OVERDISPERSION

__all__ = ["OVERDISPERSION", "LEVELS", "funnel_limits", "funnel_table"]

LEVELS = (0.95, 0.998)


def _winsorised_mean_square(z: np.ndarray, trim: float) -> float:
    lo, hi = np.quantile(z, [trim, 1 - trim])
    return float(np.mean(np.clip(z, lo, hi) ** 2))


def funnel_limits(target: float, n_eff: np.ndarray, level: float, scale: float = 1.0,
                  tau2: float = 0.0) -> tuple[np.ndarray, np.ndarray]:
    """Control limits t ± z(1−α/2)·√(scale·t(1−t)/n_eff + τ²), clipped to [0, 1]
    (limits on the logit scale were tried: they flag units at 100% as above a limit
    under 1, 3% of small units at t = 0.95 outside 99.8%)."""
    n_eff = np.asarray(n_eff, dtype=float)
    sd = np.sqrt(scale * target * (1 - target) / n_eff + tau2)
    q = stats.norm.ppf(1 - (1 - level) / 2)
    return np.clip(target - q * sd, 0, 1), np.clip(target + q * sd, 0, 1)


def funnel_table(table: pd.DataFrame, target: float, overdispersion: str = "none",
                 trim: float = 0.1, design_effect: str = "common"
                 ) -> tuple[pd.DataFrame, dict]:
    """``(rows, fit)``. ``table``: one row per unit with ``estimate, se,
    n_respondents`` (an engine table filtered to one index, one row per unit: the
    common design effect is taken over these rows). ``rows`` adds ``n_eff, z,
    low_95, high_95, low_998, high_998, outside_95, outside_998`` (``above``, ``below``
    or ``""``); ``fit`` = ``{"overdispersion", "phi", "scale", "tau2", "units",
    "target"}`` to print on
    the figure; ``scale`` is the factor applied to the variance, 1 unless
    multiplicative with φ > 1)."""
    if overdispersion not in OVERDISPERSION:
        raise ValueError(f"overdispersion must be one of {OVERDISPERSION}")
    if design_effect not in ("common", "unit"):
        raise ValueError("design_effect must be 'common' or 'unit'")
    if not 0 < target < 1:
        raise ValueError(f"target must be in (0, 1), got {target}")
    out = table.copy()
    p = out["estimate"].to_numpy(dtype=float)
    se = out["se"].to_numpy(dtype=float)
    n = out["n_respondents"].to_numpy(dtype=float)
    ok = (se > 0) & (p > 0) & (p < 1)
    with np.errstate(divide="ignore", invalid="ignore"):
        deff_unit = np.where(ok, se**2 * n / (p * (1 - p)), 1.0)
    if design_effect == "common":
        deff = float(np.median(deff_unit[ok])) if ok.any() else 1.0
        n_eff = n / deff
    else:
        n_eff = n / deff_unit
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
           "units": len(out), "target": target, "design_effect": design_effect,
           "deff": deff if design_effect == "common" else np.nan}
    return out, fit
