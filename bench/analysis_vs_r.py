"""The engine vs R survey 4.1.1 on the same 200,000 answers (10,000 responses × 20
items), pooled index per unit × field (100 groups), logit intervals. Prints wall
times, the ratio and the largest differences; asserts nothing. Needs Rscript.

    /work/main/.venv/bin/python bench/analysis_vs_r.py [--responses 10000]
"""

from __future__ import annotations

import argparse
import subprocess
import tempfile
import time
from pathlib import Path

import numpy as np
import pandas as pd

from analysis.indices import compute_indices

R_SCRIPT = r"""
suppressMessages(library(survey)); options(survey.lonely.psu = "adjust")
args <- commandArgs(TRUE)
d0 <- read.csv(args[1], colClasses = c(value = "numeric"))
d0 <- d0[!is.na(d0$value), ]; d0$sat <- as.numeric(d0$value >= 4)
d0$grp <- paste(d0$unit, d0$field, sep = "|")
t <- system.time({
  des <- svydesign(ids = ~response_id, data = d0)
  r <- svyby(~sat, ~grp, des, svyciprop, method = "logit", vartype = c("se", "ci"))
})
cat("R_SECONDS", t[["elapsed"]], "\n")
write.csv(data.frame(grp = r$grp, ci_low = r$ci_l, ci_high = r$ci_u, se = r[[3]]),
          args[2], row.names = FALSE)
"""


def make_answers(n_responses: int, seed: int = 7) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    n_items = 20
    rep = np.repeat(np.arange(n_responses), n_items)
    unit = rng.integers(0, 20, n_responses)[rep]
    field = rng.integers(0, 5, n_responses)[rep]
    latent = rng.normal(1.5, 1.0, n_responses)[rep]
    sat = rng.random(len(rep)) < 1 / (1 + np.exp(-latent))
    value = np.where(sat, 4.0, 2.0)
    value[rng.random(len(rep)) < 0.08] = np.nan
    item = np.tile(np.arange(n_items), n_responses)
    return pd.DataFrame({"response_id": rep, "unit": [f"U{u:02d}" for u in unit],
                         "field": [f"F{f}" for f in field], "period": "2025-Y",
                         "element": [f"E{i // 4}" for i in item],
                         "item": [f"I{i:02d}" for i in item], "value": value})


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--responses", type=int, default=10_000)
    args = ap.parse_args()
    answers = make_answers(args.responses)
    with tempfile.TemporaryDirectory() as tmp:
        src, out = Path(tmp) / "answers.csv", Path(tmp) / "r.csv"
        answers.to_csv(src, index=False)
        script = Path(tmp) / "bench.R"
        script.write_text(R_SCRIPT)
        t0 = time.perf_counter()
        proc = subprocess.run(["Rscript", str(script), str(src), str(out)], check=True,
                              capture_output=True, text=True)
        r_process = time.perf_counter() - t0
        r_seconds = float(proc.stdout.split("R_SECONDS")[1].split()[0])
        r = pd.read_csv(out)
    t0 = time.perf_counter()
    ours_all = compute_indices(answers, by=["unit", "field"])
    ours_seconds = time.perf_counter() - t0
    pooled = ours_all[ours_all["level"] == "pooled"].copy()
    pooled["grp"] = pooled["unit"] + "|" + pooled["field"]
    both = pooled.merge(r, on="grp", suffixes=("", "_r"))
    print(f"answers: {len(answers):,}; groups: {len(both)}")
    print(f"R survey svyby(svyciprop, logit), pooled index only: {r_seconds:.2f} s "
          f"(Rscript process incl. read.csv: {r_process:.2f} s)")
    print(f"engine, all levels (item, element, overall, pooled) : {ours_seconds:.2f} s")
    print(f"ratio R / engine: {r_seconds / ours_seconds:.0f}x")
    for col in ["se", "ci_low", "ci_high"]:
        rel = np.max(np.abs(both[col] / both[f"{col}_r"] - 1))
        print(f"max relative difference in {col}: {rel:.2e}")


if __name__ == "__main__":
    main()
