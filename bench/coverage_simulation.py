"""Empirical coverage of the 95% intervals of the pooled index (and the overall index,
mean of item indices, for the design-based methods).

Respondents answer 10 items. Without correlation every answer is Bernoulli(p); with
within-respondent correlation a respondent's p_i ~ Beta(p·φ, (1−p)·φ), intra-respondent
correlation ρ = 1/(φ + 1) = 0.3, so the index is still p. Each replication is one
group AND its own stratum, so nₕ and df are those of a stand-alone survey of n
respondents. Prints a table; asserts nothing.

    /work/main/.venv/bin/python bench/coverage_simulation.py [--reps 1000] [--seed 1]
"""

from __future__ import annotations

import argparse
import time

import numpy as np
import pandas as pd

from analysis.answers import encode_answers
from analysis.engine import finish, pass1_sums, pass2_sums, score_coefficients

PS = (0.80, 0.90, 0.95, 0.99)
NS = (10, 30, 100, 1000)
N_ITEMS = 10
RHO = 0.3
METHODS = ("logit", "beta", "wilson", "clopper-pearson", "jeffreys")


def simulate(p: float, n: int, reps: int, correlated: bool, rng: np.random.Generator):
    n_resp = n * reps
    if correlated:
        phi = 1 / RHO - 1
        p_i = rng.beta(p * phi, (1 - p) * phi, n_resp)
    else:
        p_i = np.full(n_resp, p)
    resp = np.repeat(np.arange(n_resp), N_ITEMS)
    sat = rng.random(len(resp)) < p_i[resp]
    rep = resp // n
    answers = pd.DataFrame({
        "response_id": resp, "rep": rep, "stratum": rep, "weight": 1.0,
        "element": "E", "item": np.tile(np.arange(N_ITEMS), n_resp),
        "value": np.where(sat, 5.0, 2.0),
    })
    coded = encode_answers(answers, ["rep"])
    item_sums, sizes = pass1_sums(coded)
    coef = score_coefficients(item_sums, coded.items, ["rep"], "mean")
    scores = pass2_sums(coded, coef)
    return {m: finish(item_sums, coef, scores, sizes, ["rep"], m) for m in METHODS}


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--reps", type=int, default=1000, help="replications per cell")
    ap.add_argument("--seed", type=int, default=1)
    args = ap.parse_args()
    rng = np.random.default_rng(args.seed)
    t0 = time.perf_counter()
    rows = []
    for correlated in (False, True):
        for p in PS:
            for n in NS:
                res = simulate(p, n, args.reps, correlated, rng)
                row = {"rho": RHO if correlated else 0.0, "p": p, "n": n}
                for m, out in res.items():
                    pooled = out[out["level"] == "pooled"]
                    row[m] = np.mean((pooled["ci_low"] <= p) & (p <= pooled["ci_high"]))
                    if m in ("logit", "beta"):
                        ov = out[out["level"] == "overall"]
                        row[f"{m} overall"] = np.mean((ov["ci_low"] <= p) & (p <= ov["ci_high"]))
                rows.append(row)
    table = pd.DataFrame(rows)
    mc_se = np.sqrt(0.95 * 0.05 / args.reps)
    with pd.option_context("display.width", 160, "display.max_columns", 20):
        print(table.to_string(index=False, float_format=lambda v: f"{v:.3f}"))
    print(f"\n{args.reps} replications per cell (Monte Carlo SE of a 0.95 coverage ≈ "
          f"{mc_se:.3f}); {N_ITEMS} items per respondent; {time.perf_counter() - t0:.0f} s")


if __name__ == "__main__":
    main()
