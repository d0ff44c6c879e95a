"""Bernoulli CUSUM alerts (issue 17 item 4): measured run lengths against the design.

For a unit whose responses are satisfied at rate p0 = 0.8 or 0.9 and that gets 100,
250 or 1,000 responses a year, the chart is designed (analysis.cusum.design_cusum) for
an in-control ARL of two years of responses (at most one false alarm per unit every two
years on average) and a drop of 10 points. Simulated, --reps streams each:
- in control: the mean run length (goal: within 10% of the design) and the share of
  units with a false alarm within two years;
- after a drop of 10 points at the start: the mean responses (and days) to a signal.

    python bench/alerts.py [--reps 2000] [--seed 4]
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from analysis.cusum import CusumDesign, design_cusum


def run_lengths(design: CusumDesign, p: float, reps: int, cap: int,
                rng: np.random.Generator) -> np.ndarray:
    """Responses to the first signal of ``reps`` streams at satisfied rate ``p`` (cap+1
    when none within ``cap``), vectorised over the streams."""
    s = np.zeros(reps, dtype=np.int64)
    out = np.full(reps, cap + 1)
    alive = np.ones(reps, dtype=bool)
    for t in range(1, cap + 1):
        y = rng.random(reps) < p
        s = np.where(y, np.maximum(s - design.down, 0), s + design.up)
        hit = alive & (s >= design.threshold)
        out[hit] = t
        alive &= ~hit
        if not alive.any():
            break
    return out


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--reps", type=int, default=2000)
    ap.add_argument("--seed", type=int, default=4)
    args = ap.parse_args()
    rng = np.random.default_rng(args.seed)
    began = time.perf_counter()
    print("| p0 | responses/year | H | ARL0 design | ARL0 measured | off | false alarm "
          "within 2 years | ARL1 design | ARL1 measured (days) |")
    print("| --- " * 9 + "|")
    for p0 in (0.8, 0.9):
        for per_year in (100, 250, 1000):
            d = design_cusum(p0, arl0=2 * per_year)
            rl0 = run_lengths(d, p0, args.reps, 40 * per_year, rng)
            rl1 = run_lengths(d, d.p1, args.reps, 40 * per_year, rng)
            within = np.mean(rl0 <= 2 * per_year)
            print(f"| {p0:.2f} | {per_year} | {d.threshold} | {d.arl0:.0f} | "
                  f"{rl0.mean():.0f} | {100 * (rl0.mean() / d.arl0 - 1):+.1f}% | "
                  f"{100 * within:.1f}% | {d.arl1:.1f} | {rl1.mean():.1f} "
                  f"({365 * rl1.mean() / per_year:.0f}) |")
    print(f"({time.perf_counter() - began:.1f} s)")


if __name__ == "__main__":
    main()
