"""P(true index ≥ target) from the ranking's empirical-Bayes model (issue 17 item 3) is
calibrated: among units given about 80%, about 80% truly meet the target. Units are
simulated with answers clustered in respondents (bench/verdict_error.py's model)."""

from __future__ import annotations

import sys
from pathlib import Path

import numpy as np
import pandas as pd

from analysis.ranking import rank_units

sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "bench"))
import verdict_error


def test_probability_of_meeting_the_target_is_calibrated():
    rng = np.random.default_rng(23)
    target, rows = 0.85, []
    for rep in range(8):
        truth = rng.beta(0.85 * 60, 0.15 * 60, size=150)  # units spread around 85%
        for u, theta in enumerate(truth):
            n = int(rng.integers(30, 150))
            sim = verdict_error.simulate(n, float(np.clip(theta, 0.3, 0.995)), 1, rng)
            rows.append({"rep": rep, "unit": f"U{u}", "level": "overall", "index": "overall",
                         "estimate": sim["p"][0], "ci_low": np.nan, "ci_high": np.nan,
                         "se": sim["se"][0], "n_respondents": n,
                         "n_answers": sim["n_answers"][0], "truth": theta})
    table = pd.DataFrame(rows)
    ranked = pd.concat(
        [rank_units(g, within=["rep"], target=target, n_sim=10, min_respondents=1)
         .merge(g[["rep", "unit", "truth"]], on=["rep", "unit"]) for _, g in
         table.groupby("rep")], ignore_index=True)
    p = ranked["p_meet_target"].to_numpy()
    met = (ranked["truth"] >= target).to_numpy()
    np.testing.assert_allclose(p, 1 - ranked["p_below_target"], atol=1e-15)
    bins = np.digitize(p, [0.2, 0.4, 0.6, 0.8])
    for b in range(5):
        sel = bins == b
        if sel.sum() >= 60:  # the se of a share of 60 units is at most 6.5 points
            assert abs(met[sel].mean() - p[sel].mean()) < 0.1, (b, sel.sum(),
                                                                   met[sel].mean(),
                                                                   p[sel].mean())
    # overall: the expected number of units meeting equals the number that do
    assert abs(p.mean() - met.mean()) < 0.03
