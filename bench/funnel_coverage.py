"""Funnel limits when every unit sits exactly at the target (issue 17 item 2).

Units of n = 30, 60, 100, 200 and 400 respondents (3–7 items each, respondent effect
on the logit scale: sd 1 and sd 2; bench/verdict_error.py's simulation), true index =
the target t = 0.8, 0.9, 0.95; --units units per (n, t). Printed: the share of units
outside the 95% limits (goal 5% ± 1%) and outside the 99.8% limits (0.2%), per t and n
and overall, with analysis.funnel.funnel_table (no overdispersion adjustment: the
units are identical).

    python bench/funnel_coverage.py [--units 2000] [--seed 17]
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

import numpy as np
import pandas as pd

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
sys.path.insert(0, str(Path(__file__).resolve().parent))

import verdict_error

from analysis.funnel import funnel_table

SIZES = (30, 60, 100, 200, 400)
TARGETS = (0.8, 0.9, 0.95)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--units", type=int, default=2000)
    ap.add_argument("--seed", type=int, default=17)
    args = ap.parse_args()
    began = time.perf_counter()
    rng = np.random.default_rng(args.seed)
    for model in ("pooled", "pooled-sd2"):
        print(f"\nmodel {model}: share of units outside the limits, {args.units} units per "
              "cell, every unit at the target (95% goal 5% ± 1%; 99.8%: 0.2%)")
        print("| target | " + " | ".join(f"n = {n}" for n in SIZES) + " | all |")
        print("| --- " * (len(SIZES) + 2) + "|")
        for t in TARGETS:
            cells, parts = [], []
            for n in SIZES:
                sim = verdict_error.simulate(n, t, args.units, rng,
                                             verdict_error.MODELS[model])
                rows, _ = funnel_table(pd.DataFrame({"estimate": sim["p"], "se": sim["se"],
                                                     "n_respondents": n}), t)
                parts.append(rows)
                cells.append(rows)
            every = pd.concat(parts)
            fmt = lambda r: (f"{100 * (r['outside_95'] != '').mean():.1f}% / "  # noqa: E731
                             f"{100 * (r['outside_998'] != '').mean():.2f}%")
            print(f"| {t:.2f} | " + " | ".join(fmt(r) for r in cells) + f" | {fmt(every)} |")
    print(f"({time.perf_counter() - began:.1f} s)")


if __name__ == "__main__":
    main()
