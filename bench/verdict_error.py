"""One-sided error of the target verdict for small units (issue 13 item 7).

Simulation: a unit surveys n respondents; respondent i answers mᵢ items (3–7, mean 5),
each satisfied with probability expit(a + uᵢ), uᵢ ~ N(0, 1) (the respondent effect on
the logit scale), a chosen so that the true index E[expit(a + u)] is exactly the value
asked for. The index is the pooled ratio Σy/Σm with the respondent as cluster (one
stratum: the unit), se by linearisation with n/(n−1), df = n − 1: what the engine
computes for a unit's pooled row.

Printed, per n = 10, 30, 100, 300 respondents and target t = 0.8, 0.9, 0.95, 0.98
(2,000 replicates a cell):
- P(met | true index = t): the one-sided error of "met" at the boundary (≤ 2.5%);
- P(met | true index = t − 0.01): a unit 1 point below called "met";
- P(below | true index = t + 0.01): a unit 1 point above called "below" (the upper
  one-sided error near the boundary, ≤ 2.5%);
before (the logit interval alone decides) and after (analysis.targets.judge_targets,
the rule the reports use).

    python bench/verdict_error.py [--reps 2000] [--seed 13]
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

import numpy as np
from scipy import optimize, special

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from analysis.methods import interval_table
from analysis.targets import judge_targets, target_status

SIZES = (10, 30, 100, 300)
TARGETS = (0.8, 0.9, 0.95, 0.98)
NODES, WEIGHTS = np.polynomial.hermite_e.hermegauss(80)  # E over u ~ N(0, 1)


def intercept(index: float, sd: float = 1.0) -> float:
    """a with E[expit(a + sd·u)] = index."""
    mean = lambda a: float(np.sum(WEIGHTS * special.expit(a + sd * NODES)) / np.sum(WEIGHTS))  # noqa: E731
    return optimize.brentq(lambda a: mean(a) - index, -20, 20, xtol=1e-13)


def simulate(n: int, true_index: float, reps: int, rng: np.random.Generator
             ) -> dict[str, np.ndarray]:
    """Per replicate: estimate, se, df, deff and counts of a unit with n respondents."""
    a = intercept(true_index)
    u = rng.standard_normal((reps, n))
    m = 3 + rng.binomial(4, 0.5, size=(reps, n))
    y = rng.binomial(m, special.expit(a + u))
    big_x = m.sum(axis=1)
    p = y.sum(axis=1) / big_x
    z = (y - p[:, None] * m) / big_x[:, None]
    var = n / (n - 1) * np.sum((z - z.mean(axis=1, keepdims=True)) ** 2, axis=1)
    with np.errstate(divide="ignore", invalid="ignore"):
        deff = var / (p * (1 - p) / n)
    return {"p": p, "se": np.sqrt(var), "df": np.full(reps, n - 1.0), "deff": deff,
            "n_answers": big_x.astype(float), "n": np.full(reps, float(n))}


def verdicts(sim: dict[str, np.ndarray], target: float) -> dict[str, np.ndarray]:
    t = np.full(sim["p"].shape, target)
    tab = interval_table(sim["p"], sim["se"], sim["df"], sim["n_answers"], sim["n"], "logit")
    before = target_status(tab["ci_low"], tab["ci_high"], t)
    after = judge_targets(sim["p"], sim["se"], sim["df"], sim["deff"], t,
                          n_respondents=sim["n"])["status"]
    return {"before": before, "after": after}


def error_table(reps: int = 2000, seed: int = 13, sizes=SIZES, targets=TARGETS
                ) -> list[dict]:
    """Rates of met at t, met at t − 0.01, below at t + 0.01, before and after."""
    rng = np.random.default_rng(seed)
    rows = []
    for n in sizes:
        for t in targets:
            row = {"n": n, "target": t}
            for name, shift, status in (("met_at", 0.0, "met"), ("met_below", -0.01, "met"),
                                        ("below_above", 0.01, "below")):
                v = verdicts(simulate(n, t + shift, reps, rng), t)
                for rule in ("before", "after"):
                    row[f"{name}_{rule}"] = float(np.mean(v[rule] == status))
            rows.append(row)
    return rows


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--reps", type=int, default=2000)
    ap.add_argument("--seed", type=int, default=13)
    args = ap.parse_args()
    began = time.perf_counter()
    rows = error_table(args.reps, args.seed)
    print(f"One-sided error of the verdict, {args.reps} replicates a cell "
          "(respondent effect sd 1 on the logit scale, 3–7 items each, nominal 2.5%)")
    print(f"{'n':>4} {'target':>6} | {'met at t':>17} | {'met at t−1pt':>17} | "
          f"{'below at t+1pt':>17}")
    print(f"{'':>4} {'':>6} | {'before':>8} {'after':>8} | {'before':>8} {'after':>8} | "
          f"{'before':>8} {'after':>8}")
    for r in rows:
        print(f"{r['n']:>4} {r['target']:>6.2f} | "
              + " | ".join(f"{100 * r[f'{k}_before']:>7.2f}% {100 * r[f'{k}_after']:>7.2f}%"
                           for k in ("met_at", "met_below", "below_above")))
    worst = max(max(r["met_at_after"], r["below_above_after"]) for r in rows)
    print(f"worst one-sided error after: {100 * worst:.2f}% "
          f"({time.perf_counter() - began:.1f} s)")


if __name__ == "__main__":
    main()
