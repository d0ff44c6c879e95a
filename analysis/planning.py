"""Sample planning: respondents needed per unit for an interval half-width or to decide
a target, and response rates against dossier volumes (VOLUMES.csv).

References: Cochran WG (1977), Sampling Techniques, 3rd ed., §4.4 (n = z²p(1−p)/h²)
and Kish L (1965), Survey Sampling, §8.2 (design effect: n·deff).
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from analysis.intervals import wilson_interval
from analysis.io import VOLUME_COLUMNS
from analysis.targets import n_needed

__all__ = ["n_for_halfwidth", "plan_sample", "response_rates"]


def n_for_halfwidth(expected: np.ndarray, halfwidth: float, deff: np.ndarray | float = 1.0,
                    level: float = 0.95) -> np.ndarray:
    """Respondents for a two-sided interval of half-width h at the expected index p:
    n = ⌈deff · z²₁₋α/₂ · p(1 − p)/h²⌉ (Cochran 1977, eq. 4.2, times Kish's deff).
    deff missing or ≤ 0 counts as 1; p(1 − p) is floored at 0.01·0.99 so that a unit
    observed at 100% (or 0%) still gets a sample size."""
    from scipy import stats
    if not 0 < halfwidth < 0.5:
        raise ValueError(f"halfwidth must be in (0, 0.5), got {halfwidth}")
    p = np.asarray(expected, dtype=float)
    d = np.asarray(deff, dtype=float)
    d = np.where(np.isfinite(d) & (d > 0), d, 1.0)
    z = stats.norm.ppf(1 - (1 - level) / 2)
    var = np.maximum(p * (1 - p), 0.01 * 0.99)
    return np.ceil(d * z**2 * var / halfwidth**2 - 1e-9)


def plan_sample(
    results: pd.DataFrame,
    halfwidth: float | None = 0.05,
    target: float | None = None,
    expected: float | None = None,
    level: float = 0.95,
    level_name: str = "overall",
) -> pd.DataFrame:
    """Per row of the engine's table at ``level_name`` (default overall): respondents
    needed next period. ``expected`` overrides the observed index as the planning value;
    the design effect is the engine's ``deff`` (per respondent), 1 where missing.
    ``n_for_halfwidth`` from :func:`n_for_halfwidth`; ``n_to_decide`` from
    :func:`analysis.targets.n_needed` (logit-scale Wald, the engine's rule).
    """
    sel = results["level"] == level_name
    out = results.loc[sel].copy().reset_index(drop=True)
    p = (np.full(len(out), expected, dtype=float) if expected is not None
         else out["estimate"].to_numpy(dtype=float))
    deff = out["deff"].to_numpy(dtype=float) if "deff" in out else np.ones(len(out))
    deff = np.where(np.isfinite(deff) & (deff > 0), deff, 1.0)
    keep = [c for c in out.columns if c not in ("ci_low", "ci_high", "se", "df", "method",
                                                 "n_answers", "status", "p_value", "n_needed")]
    out = out[keep]
    out["expected"] = p
    out["deff"] = deff
    if halfwidth is not None:
        out["halfwidth"] = halfwidth
        out["n_for_halfwidth"] = n_for_halfwidth(p, halfwidth, deff, level).astype(np.int64)
    if target is not None:
        out["plan_target"] = target
        nn = pd.array(n_needed(p, np.full(len(out), target), deff, level), dtype="Float64")
        out["n_to_decide"] = nn.round().astype("Int64")
    return out


def response_rates(answers: pd.DataFrame, volumes: pd.DataFrame, level: float = 0.95
                   ) -> pd.DataFrame:
    """Respondents (distinct response_id) per unit, field and period against dossiers
    received: rate = respondents/received with a Wilson interval (a dossier answering
    or not is the Bernoulli trial), and the weight received/respondents that would
    expand the sample to the dossier volume. Rows exist for every cell of either
    table; ``check`` says "no volume", "no responses" or "more responses than dossiers".
    """
    keys = list(VOLUME_COLUMNS[:3])
    resp = answers.drop_duplicates("response_id").groupby(keys).size().rename("respondents")
    out = volumes.merge(resp.reset_index(), on=keys, how="outer")
    out["respondents"] = out["respondents"].fillna(0).astype(np.int64)
    rec = out["received"].to_numpy(dtype=float)
    r = out["respondents"].to_numpy(dtype=float)
    with np.errstate(divide="ignore", invalid="ignore"):
        rate = np.where(rec > 0, r / rec, np.nan)
        low, high = wilson_interval(np.clip(rate, 0, 1), rec, level)
        weight = np.where(r > 0, rec / r, np.nan)
    ok = np.isfinite(rate) & (rate <= 1)
    out["response_rate"] = rate
    out["rate_low"] = np.where(ok, low, np.nan)
    out["rate_high"] = np.where(ok, high, np.nan)
    out["weight"] = weight
    out["check"] = np.select(
        [~np.isfinite(rec), r == 0, rate > 1], ["no volume", "no responses",
                                                "more responses than dossiers"], "")
    out["received"] = pd.array(out["received"], dtype="Float64").round().astype("Int64")
    return out.sort_values(keys, kind="stable").reset_index(drop=True)
