"""Bernoulli CUSUM alerts (analysis/alerts.py): design vs simulation.

For a few (in-control dissatisfaction p0, responses per year) settings, the chart is
designed for ARL0 ≥ two years of responses; then in-control streams (from a score of
0) give the measured run length (mean ± SE over the runs) and the false alarms per
unit-year (rate / mean run length), and shifted streams (p1 = p0 + 0.10, a 10-point
drop in satisfaction) the detection delay: from the start (zero state, vs the Markov
ARL1), and after one year in control (runs that alarmed before the drop are left out).
A second table shows what clustering in time (a day-to-day sd of the dissatisfaction
rate) does to the in-control run length. Prints tables; asserts nothing. The issue's
done-when: measured ARL0 within 10% of the design.

    .venv/bin/python -m bench.alerts [--runs 2000] [--seed 1]
"""

from __future__ import annotations

import argparse
import time

import numpy as np

from analysis.alerts import DAYS_PER_YEAR, design_cusum, simulate_run_lengths

SETTINGS = ((0.17, 300), (0.17, 1000), (0.10, 1000), (0.10, 5000), (0.05, 5000))
SHIFT = 0.10
DAY_SDS = (0.02, 0.05)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--runs", type=int, default=2000)
    ap.add_argument("--seed", type=int, default=1)
    args = ap.parse_args()
    rng = np.random.default_rng(args.seed)
    print(f"runs per setting: {args.runs}, seed {args.seed}, shift {SHIFT:.2f}, design: "
          "ARL0 >= responses in 2 years")
    head = ("p0", "rate/y", "h", "ARL0 design", "ARL0 measured ± SE", "meas/design",
            "alarms/unit-y", "ARL1 Markov", "ARL1 meas", "delay days", "delay after 1y", "s")
    print("| " + " | ".join(head) + " |")
    print("|" + "---|" * len(head))
    for p0, rate in SETTINGS:
        t0 = time.perf_counter()
        d = design_cusum(p0, rate, SHIFT)
        rl0 = simulate_run_lengths(p0, d, args.runs, rng)
        rl1 = simulate_run_lengths(d.p1, d, args.runs, rng)
        year = int(rate)
        late = simulate_run_lengths(p0, d, args.runs, rng, p_after=d.p1, change_at=year)
        late = late[late > year] - year
        m0, se0 = rl0.mean(), rl0.std(ddof=1) / np.sqrt(rl0.size)
        row = (f"{p0:.2f}", f"{rate:g}", f"{d.h:.3f}", f"{d.arl0:.0f}", f"{m0:.0f} ± {se0:.0f}",
               f"{m0 / d.arl0:.3f}", f"{rate / m0:.3f}", f"{d.arl1:.1f}", f"{rl1.mean():.1f}",
               f"{rl1.mean() / rate * DAYS_PER_YEAR:.1f}",
               f"{late.mean():.1f} (n={late.size})", f"{time.perf_counter() - t0:.1f}")
        print("| " + " | ".join(row) + " |", flush=True)
    print("\nIn control, but each day's dissatisfaction varies (p0 + N(0, sd), responses "
          "spread evenly over the days): the design assumes independent responses.")
    head = ("p0", "rate/y", "day sd", "ARL0 design", "ARL0 measured ± SE", "meas/design",
            "alarms/unit-y")
    print("| " + " | ".join(head) + " |")
    print("|" + "---|" * len(head))
    for p0, rate in SETTINGS[1:4]:
        d = design_cusum(p0, rate, SHIFT)
        for sd in DAY_SDS:
            rl = simulate_run_lengths(p0, d, args.runs, rng, day_sd=sd, per_day=rate / 365.25)
            m, se = rl.mean(), rl.std(ddof=1) / np.sqrt(rl.size)
            row = (f"{p0:.2f}", f"{rate:g}", f"{sd:.2f}", f"{d.arl0:.0f}", f"{m:.0f} ± {se:.0f}",
                   f"{m / d.arl0:.3f}", f"{rate / m:.3f}")
            print("| " + " | ".join(row) + " |", flush=True)


if __name__ == "__main__":
    main()
