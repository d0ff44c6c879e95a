"""Time the Python side of re-basing on a national lineage (prints figures, asserts none).

    python bench/asof_rebase.py [--rows 500000]

No database: a synthetic lineage of the 2025 reform at national scale (10,000 former
communes merged into 3,321 new ones, 100 of them split between two successors by a
counter rule, one counter per split unit left without a rule), then

- `covered()` for a province of about 100 new communes (the selection handed to SQL),
  first call and cached;
- `rebase_units()` on a pattern frame of `--rows` rows (unit, counter, stratum) of the
  former communes, as the pattern query returns it when a split is in force.
"""

from __future__ import annotations

import argparse
import sys
import time
from dataclasses import dataclass
from datetime import date
from pathlib import Path

import numpy as np
import pandas as pd

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from survey_app.reporting.rebase import covered, rebase_units
from survey_app.services.lineage import Lineage, Link

REFORM = date(2025, 7, 1)


@dataclass(frozen=True)
class Scope:
    as_of: date
    lineage: Lineage
    unit_ids: tuple[int, ...] | None = None
    role: str = "receiving"


def national(old: int = 10_000, new: int = 3_321, splits: int = 100) -> tuple[Lineage, dict]:
    links, counters = [], {}
    for u in range(old):
        successor = old + (u % new)
        counters[u] = (3 * u, 3 * u + 1, 3 * u + 2)
        if u < splits:  # split between two new communes: counters 0 and 1 have a rule
            other = old + ((u + 1) % new)
            links += [Link(u, successor, REFORM, "split", frozenset({3 * u})),
                      Link(u, other, REFORM, "split", frozenset({3 * u + 1}))]
        else:
            links.append(Link(u, successor, REFORM, "merge"))
    return Lineage(links), counters


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--rows", type=int, default=500_000)
    args = parser.parse_args()
    t = time.perf_counter()
    lineage, counters = national()
    print(f"lineage of {sum(len(v) for v in lineage.outgoing.values())} links checked in "
          f"{time.perf_counter() - t:.2f} s")
    province = tuple(range(10_000, 10_100))
    for label in ("first", "cached"):
        t = time.perf_counter()
        found = covered(lineage, date(2026, 12, 1), province)
        print(f"covered() for 100 new communes ({label}): {time.perf_counter() - t:.3f} s, "
              f"{len(found.whole)} whole units, {len(found.counters)} split parts")
    rng = np.random.default_rng(1)
    units = rng.integers(0, 10_000, args.rows)
    frame = pd.DataFrame({"unit_id": units,
                          "counter_id": 3 * units + rng.integers(0, 3, args.rows),
                          "stratum": units, "n": 1})
    scope = Scope(date(2026, 12, 1), lineage)
    t = time.perf_counter()
    out = rebase_units(frame, scope, split_strata=True)
    print(f"rebase_units() on {args.rows:,} pattern rows: {time.perf_counter() - t:.2f} s "
          f"({out['unit_id'].nunique()} units shown, {(out['stratum'] < 0).sum():,} rows in "
          f"split parts)")


if __name__ == "__main__":
    main()
