"""The engine on 10 million answers (500,000 responses × 20 items) by unit × field ×
period: wall time and peak memory. Prints figures; asserts nothing.

    /work/main/.venv/bin/python bench/analysis_scale.py [--responses 500000] [--profile]
"""

from __future__ import annotations

import argparse
import resource
import time

import numpy as np
import pandas as pd

from analysis.indices import compute_indices

ELEMENTS = {"TC": 5, "TT": 4, "CC": 5, "KQ": 3, "PA": 3}  # 20 items


def make_answers(n_responses: int, seed: int = 1) -> pd.DataFrame:
    """Long answers table as the reporting layer would hand it over (categoricals)."""
    rng = np.random.default_rng(seed)
    items = [f"{e}{j + 1}" for e, k in ELEMENTS.items() for j in range(k)]
    elements = [e for e, k in ELEMENTS.items() for _ in range(k)]
    n_items = len(items)
    unit = rng.integers(0, 300, n_responses)
    field = rng.integers(0, 12, n_responses)
    period = rng.integers(0, 4, n_responses)
    latent = rng.normal(1.5, 1.0, n_responses)
    rep = np.repeat(np.arange(n_responses), n_items)
    item = np.tile(np.arange(n_items), n_responses)
    sat = rng.random(len(rep)) < 1 / (1 + np.exp(-latent[rep]))
    value = np.where(sat, 4 + (rng.random(len(rep)) < 0.4), 1 + rng.integers(0, 3, len(rep)))
    value = np.where(rng.random(len(rep)) < 0.08, np.nan, value.astype(float))

    def cat(codes: np.ndarray, labels: list[str]) -> pd.Categorical:
        return pd.Categorical.from_codes(codes, categories=labels)

    return pd.DataFrame({
        "response_id": rep,
        "unit": cat(unit[rep], [f"Đơn vị {i}" for i in range(300)]),
        "field": cat(field[rep], [f"Lĩnh vực {i}" for i in range(12)]),
        "period": cat(period[rep], [f"2025-Q{i + 1}" for i in range(4)]),
        "element": cat(np.asarray([elements.index(e) for e in elements])[item] * 0
                       + np.repeat(np.arange(len(ELEMENTS)), list(ELEMENTS.values()))[item],
                       list(ELEMENTS)),
        "item": cat(item, items),
        "value": value,
    })


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--responses", type=int, default=500_000)
    ap.add_argument("--profile", action="store_true")
    args = ap.parse_args()
    t0 = time.perf_counter()
    answers = make_answers(args.responses)
    t1 = time.perf_counter()
    rss_before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    by = ["unit", "field", "period"]
    if args.profile:
        from pyinstrument import Profiler

        with Profiler() as prof:
            out = compute_indices(answers, by=by)
        prof.print()
    t2 = time.perf_counter()
    out = compute_indices(answers, by=by)
    t3 = time.perf_counter()
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(f"answers: {len(answers):,} ({args.responses:,} responses); groups: "
          f"{len(out[by].drop_duplicates()):,}; output rows: {len(out):,}")
    print(f"data generation: {t1 - t0:.2f} s (not counted)")
    print(f"engine (compute_indices, unit x field x period, logit): {t3 - t2:.2f} s wall")
    print(f"peak RSS: {peak:,.0f} MiB (after generating the data: {rss_before:,.0f} MiB)")


if __name__ == "__main__":
    main()
