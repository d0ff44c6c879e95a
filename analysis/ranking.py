"""Fair ranking of units: empirical-Bayes beta-binomial shrinkage and rank intervals.

A unit with 8 responses and one with 800 do not belong in one raw league table. Each
unit's index θᵤ is given a Beta(μM, (1−μ)M) prior shared by all units; μ (the mean of
units) and M (prior strength, in responses) are estimated from the data by maximising
the beta-binomial marginal likelihood (empirical Bayes; Efron & Morris 1975, JASA
70:311–319; Kleinman 1973, JASA 68:46–54 for the moment start). Clustering and weights
enter through the effective sample size: nᵤ = p̂ᵤ(1 − p̂ᵤ)/seᵤ² with the engine's
design-based se (Kish's n/deff), capped at the number of answers, and yᵤ = p̂ᵤ·nᵤ.
The posterior is Beta(μM + yᵤ, (1−μ)M + nᵤ − yᵤ), with mean

    θ̃ᵤ = (yᵤ + μM)/(nᵤ + M) = Bᵤ·μ + (1 − Bᵤ)·p̂ᵤ,   Bᵤ = M/(M + nᵤ),

so small units move further toward the mean. Ranks (1 = highest) come from the
posterior means; the rank interval from ``n_sim`` joint posterior draws (Marshall &
Spiegelhalter 1998, BMJ 316:1701–1704, "league tables" with rank uncertainty).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd

__all__ = ["BetaPrior", "effective_counts", "fit_beta_prior", "shrink", "rank_units"]

#: Bounds of the prior strength M (in effective responses): M at the upper bound means
#: "no visible difference between units" (everything shrinks to the mean).
M_BOUNDS = (0.5, 1e6)


@dataclass(frozen=True)
class BetaPrior:
    """Beta(μM, (1 − μ)M) prior of unit indices."""

    mean: float
    strength: float

    @property
    def a(self) -> float:
        return self.mean * self.strength

    @property
    def b(self) -> float:
        return (1 - self.mean) * self.strength


def effective_counts(
    estimate: np.ndarray, se: np.ndarray, n_respondents: np.ndarray, n_answers: np.ndarray
) -> tuple[np.ndarray, np.ndarray]:
    """(y, n) of the binomial with the same mean and variance as the design-based
    estimate: n = p(1 − p)/se², capped at n_answers; n = n_respondents where that is
    undefined (p ∈ {0, 1} or se = 0). y = p·n."""
    p, se, nr, na = (np.asarray(a, dtype=float) for a in (estimate, se, n_respondents, n_answers))
    with np.errstate(divide="ignore", invalid="ignore"):
        n = p * (1 - p) / se**2
    n = np.where(np.isfinite(n) & (n > 0), np.minimum(n, na), nr)
    return p * n, n


def _neg_loglik(theta: np.ndarray, y: np.ndarray, n: np.ndarray) -> float:
    from scipy import special
    mu, m = special.expit(theta[0]), np.exp(theta[1])
    a, b = mu * m, (1 - mu) * m
    return -float(np.sum(special.betaln(y + a, n - y + b) - special.betaln(a, b)))


def fit_beta_prior(y: np.ndarray, n: np.ndarray) -> BetaPrior:
    """Maximum marginal likelihood of the beta-binomial, over (logit μ, log M):
    ℓ(μ, M) = Σᵤ [ln B(yᵤ + μM, nᵤ − yᵤ + (1 − μ)M) − ln B(μM, (1 − μ)M)].
    Start: μ₀ = Σy/Σn and M₀ from the moments of p̂ᵤ (Kleinman 1973). With one unit
    there is nothing to learn about the spread: M is set to the upper bound."""
    from scipy import optimize, special
    y, n = np.asarray(y, dtype=float), np.asarray(n, dtype=float)
    mu0 = float(np.clip(y.sum() / n.sum(), 1e-4, 1 - 1e-4))
    if len(y) < 2:
        return BetaPrior(mu0, M_BOUNDS[1])
    p = y / n
    s2 = float(np.sum(n * (p - mu0) ** 2) / (len(p) - 1) / np.mean(n))
    rho = (s2 - mu0 * (1 - mu0) / np.mean(n)) / (mu0 * (1 - mu0)) if s2 > 0 else 0.0
    m0 = float(np.clip(1 / rho - 1 if rho > 0 else M_BOUNDS[1] / 10, *M_BOUNDS))
    bounds = [(special.logit(1e-4), special.logit(1 - 1e-4)), tuple(np.log(M_BOUNDS))]
    res = optimize.minimize(_neg_loglik, np.array([special.logit(mu0), np.log(m0)]),
                            args=(y, n), method="L-BFGS-B", bounds=bounds)
    return BetaPrior(float(special.expit(res.x[0])), float(np.exp(res.x[1])))


def shrink(
    y: np.ndarray, n: np.ndarray, prior: BetaPrior, level: float = 0.95
) -> dict[str, np.ndarray]:
    """Posterior mean (y + μM)/(n + M), equal-tailed posterior interval and the
    shrinkage weight B = M/(M + n) of each unit."""
    from scipy import stats
    y, n = np.asarray(y, dtype=float), np.asarray(n, dtype=float)
    a, b = prior.a + y, prior.b + n - y
    half = (1 - level) / 2
    return {"mean": a / (a + b), "low": stats.beta.ppf(half, a, b),
            "high": stats.beta.ppf(1 - half, a, b), "weight": prior.strength / (prior.strength + n)}


def _rank_block(
    y: np.ndarray, n: np.ndarray, ok: np.ndarray, prior: BetaPrior, n_sim: int,
    level: float, rng: np.random.Generator,
) -> dict[str, np.ndarray]:
    from scipy import stats
    post = shrink(y, n, prior, level)
    rank = np.full(len(y), np.nan)
    rlow, rhigh = rank.copy(), rank.copy()
    idx = np.flatnonzero(ok)
    if idx.size:
        m = post["mean"][idx]
        rank[idx] = stats.rankdata(-m, method="min")
        draws = rng.beta(prior.a + y[idx], prior.b + n[idx] - y[idx], size=(n_sim, idx.size))
        ranks = np.argsort(np.argsort(-draws, axis=1), axis=1) + 1
        half = (1 - level) / 2
        rlow[idx] = np.floor(np.quantile(ranks, half, axis=0))
        rhigh[idx] = np.ceil(np.quantile(ranks, 1 - half, axis=0))
    return {**post, "rank": rank, "rank_low": rlow, "rank_high": rhigh}


def rank_units(
    results: pd.DataFrame,
    unit: str = "unit",
    within: Sequence[str] = (),
    level_name: str = "overall",
    index: str | None = None,
    min_respondents: int = 30,
    target: float | None = None,
    n_sim: int = 4000,
    seed: int = 20250101,
    level: float = 0.95,
) -> pd.DataFrame:
    """League table of units for one index (default overall), within each ``within``
    group (e.g. period or field), from the engine's table computed with
    ``by = [*within, unit]``.

    Units with fewer than ``min_respondents`` respondents keep their shrunken estimate
    but get no rank (``rankable`` False, ``note`` says why); they still inform the prior.
    Columns: ``<within…>, unit, estimate, ci_low, ci_high, n_respondents, n_effective,
    shrunken, shrunken_low, shrunken_high, shrinkage, rank, rank_low, rank_high,
    rankable, note, prior_mean, prior_strength`` (+ ``p_below_target``, the posterior
    probability θ < target, and ``p_meet_target`` = P(θ ≥ target), when ``target`` is
    given: "xác suất đạt chỉ tiêu"). Sorted by rank.
    """
    from scipy import stats
    sel = (results["level"] == level_name) & (
        results["index"].astype(str) == (index if index is not None else level_name))
    base = results.loc[sel, [*within, unit, "estimate", "ci_low", "ci_high", "se",
                             "n_respondents", "n_answers"]].reset_index(drop=True)
    y, n = effective_counts(base["estimate"], base["se"], base["n_respondents"],
                            base["n_answers"])
    rng = np.random.default_rng(seed)
    groups = base.groupby(list(within), sort=True).indices if within else {(): np.arange(len(base))}
    cols = {k: np.full(len(base), np.nan) for k in
            ("mean", "low", "high", "weight", "rank", "rank_low", "rank_high", "mu", "m")}
    ok = base["n_respondents"].to_numpy() >= min_respondents
    for rows in groups.values():
        prior = fit_beta_prior(y[rows], n[rows])
        block = _rank_block(y[rows], n[rows], ok[rows], prior, n_sim, level, rng)
        for k, v in block.items():
            cols[k][rows] = v
        cols["mu"][rows], cols["m"][rows] = prior.mean, prior.strength
    out = base.drop(columns=["se", "n_answers"])
    out["n_effective"] = n
    out["shrunken"] = cols["mean"]
    out["shrunken_low"], out["shrunken_high"] = cols["low"], cols["high"]
    out["shrinkage"] = cols["weight"]
    for k in ("rank", "rank_low", "rank_high"):
        out[k] = pd.array(cols[k], dtype="Float64").round().astype("Int64")
    out["rankable"] = ok
    out["note"] = np.where(ok, "", f"fewer than {min_respondents} respondents: not ranked")
    out["prior_mean"], out["prior_strength"] = cols["mu"], cols["m"]
    if target is not None:
        out["p_below_target"] = stats.beta.cdf(target, cols["mu"] * cols["m"] + y,
                                               (1 - cols["mu"]) * cols["m"] + n - y)
        out["p_meet_target"] = 1 - out["p_below_target"]
    asc = [True] * (len(within) + 1) + [False]
    out = out.sort_values([*within, "rank", "shrunken"], ascending=asc, na_position="last",
                          kind="stable")
    return out.reset_index(drop=True)
