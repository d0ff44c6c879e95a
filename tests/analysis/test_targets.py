"""Target judgement: status from the interval, dual p-value, respondents needed."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from scipy import special, stats

from analysis.intervals import logit_interval
from analysis.methods import interval_table
from analysis.targets import (
    apply_targets,
    judge_target,
    judge_targets,
    n_needed,
    target_status,
)


def test_status_rules() -> None:
    s = target_status([0.90, 0.85, 0.85, 0.80], [0.95, 0.95, 0.899, 0.90], [0.9] * 4)
    assert list(s) == ["met", "inconclusive", "below", "inconclusive"]


@settings(max_examples=150, deadline=None)
@given(p=st.floats(0.05, 0.99), se=st.floats(0.005, 0.1), df=st.integers(2, 300),
       t=st.floats(0.5, 0.98), method=st.sampled_from(["logit", "beta", "wilson",
                                                         "clopper-pearson", "jeffreys"]))
def test_p_value_is_dual_to_the_interval(p, se, df, t, method) -> None:
    """met ⇔ p-value ≤ α/2, for every method (away from ties at the boundary)."""
    n_r = df + 1
    n_a = 3 * n_r
    tab = interval_table(np.array([p]), np.array([se]), np.array([df]), np.array([n_a]),
                         np.array([n_r]), method)
    res = pd.DataFrame({"estimate": tab["p"], "se": tab["se"], "df": [df], "deff": [1.5],
                        "ci_low": tab["ci_low"], "ci_high": tab["ci_high"],
                        "n_answers": [n_a], "n_respondents": [n_r], "method": tab["method"],
                        "index": ["overall"], "level": ["overall"]})
    out = apply_targets(res, pd.DataFrame({"scope": ["overall"], "field": [""],
                                           "target": [t]}))
    pv = out["p_value"].iloc[0]
    if abs(tab["ci_low"][0] - t) > 1e-7:
        assert (out["status"].iloc[0] == "met") == (pv <= 0.025)


def test_n_needed_decides_exactly_there() -> None:
    p, t, deff = 0.93, 0.90, 2.0
    n = int(n_needed(np.array([p]), np.array([t]), np.array([deff]))[0])
    z = stats.norm.ppf(0.975)

    def decides(m: int) -> bool:
        half = z * np.sqrt(deff / (m * p * (1 - p)))
        return abs(special.logit(p) - special.logit(t)) >= half

    assert decides(n) and not decides(n - 1)
    assert n_needed(np.array([1.0]), np.array([0.9]), np.array([np.nan]))[0] == 36  # 0.9^36 < 0.025
    assert np.isnan(n_needed(np.array([0.9]), np.array([0.9]), np.array([1.0]))[0])


def test_judge_target_matches_logit_interval() -> None:
    j = judge_target(estimate=0.95, se=0.01, df=120, deff=1.3, target=0.90)
    lo, hi = logit_interval(np.array(0.95), np.array(0.01), np.array(120))
    assert (j.ci_low, j.ci_high) == pytest.approx((float(lo), float(hi)))
    assert j.status == "met" and j.p_value < 0.025
    j = judge_target(estimate=1.0, se=0.0, df=9, deff=np.nan, target=0.9, n_respondents=10)
    assert j.status == "inconclusive" and j.p_value == pytest.approx(0.9**10)


def test_judge_targets_judges_each_row_as_judge_target_does() -> None:
    """One call for a whole table (a dashboard's units) gives each row its own judgement,
    also when logit rows and Clopper–Pearson fallback rows (p = 1, se = 0) are mixed."""
    rows = [(0.95, 0.01, 120, 1.3, 0.90, 121), (1.0, 0.0, 9, np.nan, 0.9, 10),
            (0.80, 0.03, 40, 2.0, 0.90, 41), (0.90, 0.02, 60, 1.0, 0.90, 61),
            (0.0, 0.0, 4, np.nan, 0.85, 5)]
    p, se, df, deff, t, n = (np.array(col, dtype=float) for col in zip(*rows, strict=True))
    many = judge_targets(p, se, df, deff, t, n_respondents=n)
    for k, (p, se, df, deff, t, n) in enumerate(rows):
        one = judge_target(p, se, df, deff, t, n_respondents=n)
        assert many["status"][k] == one.status
        for name in ("p_value", "n_needed", "ci_low", "ci_high"):
            assert many[name][k] == pytest.approx(getattr(one, name), nan_ok=True, rel=1e-12)


def test_most_specific_target_applies() -> None:
    res = pd.DataFrame({"field": ["đất đai", "đất đai", "y tế", "y tế"],
                        "level": ["overall", "element", "overall", "element"],
                        "index": ["overall", "TC", "overall", "TC"],
                        "estimate": [0.9] * 4, "se": [0.01] * 4, "df": [50] * 4,
                        "deff": [1.0] * 4, "ci_low": [0.88] * 4, "ci_high": [0.92] * 4,
                        "n_answers": [100] * 4, "n_respondents": [51] * 4,
                        "method": ["logit"] * 4})
    targets = pd.DataFrame({"scope": ["overall", "", "overall", "TC"],
                            "field": ["", "đất đai", "đất đai", "y tế"],
                            "target": [0.94, 0.80, 0.90, 0.85]})
    out = apply_targets(res, targets)
    assert list(out["target"]) == [0.90, 0.80, 0.94, 0.85]
    assert list(out["status"]) == ["inconclusive", "met", "below", "met"]
