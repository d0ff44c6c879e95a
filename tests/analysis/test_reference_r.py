"""The engine against R survey 4.1.1 (svyciprop, svymean, svyby + svycontrast,
prop.test, binom.test), on the committed data in reference/ (make_reference.R).

Tolerances: estimates 1e-9 absolute; SE and interval bounds 1e-6 relative. Where R
has no usable interval (p = 0 or 1, se = 0, df < 1: svyglm does not converge or the
t quantile is undefined), the documented fallback is tested instead.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from analysis.indices import compute_indices
from analysis.intervals import korn_graubard_interval, logit_interval
from analysis.io import read_answers

REF = Path(__file__).parent / "reference"
CASES = {
    "basic": dict(by=["unit", "field"], weights=None, strata=None),
    "weighted": dict(by=["unit"], weights="weight", strata="district"),
}
RTOL = 1e-6


def _ours(name: str, method: str, rule: str) -> pd.DataFrame:
    case = CASES[name]
    df = read_answers(REF / f"{name}.csv", by=case["by"], weights=case["weights"],
                      strata=case["strata"])
    out = compute_indices(df, by=case["by"], method=method, element_rule=rule)
    out["group"] = out[case["by"]].astype(str).agg("|".join, axis=1)
    return out


def _joined(name: str, method: str, rule: str) -> pd.DataFrame:
    ref = pd.read_csv(REF / f"reference_{name}.csv", encoding="utf-8")
    ref = ref[ref["element_rule"].isin(["any", rule])]
    ours = _ours(name, method, rule)
    both = ref.merge(ours, on=["group", "level", "index"], how="outer",
                     suffixes=("_r", ""), indicator=True)
    assert (both["_merge"] == "both").all(), both.loc[both["_merge"] != "both", ["group",
                                                                                 "index"]]
    return both


def _degenerate(both: pd.DataFrame) -> np.ndarray:
    p = both["estimate_r"].to_numpy()
    return ((p < 1e-12) | (p > 1 - 1e-12) | (both["se_r"] < 1e-12) | (both["df_r"] < 1)).to_numpy()


@pytest.mark.parametrize("name", sorted(CASES))
@pytest.mark.parametrize("rule", ["mean", "pooled"])
def test_estimates_se_df_counts_match_r(name: str, rule: str) -> None:
    both = _joined(name, "logit", rule)
    assert len(both) > 40
    np.testing.assert_allclose(both["estimate"], both["estimate_r"], rtol=0, atol=1e-9)
    np.testing.assert_allclose(both["se"], both["se_r"], rtol=RTOL, atol=1e-12)
    np.testing.assert_array_equal(both["design_df"], both["df_r"])  # R's degf
    assert (both["df"] <= both["design_df"]).all()  # Satterthwaite: test_reference_df.py
    np.testing.assert_array_equal(both["n_answers"], both["n_answers_r"])
    np.testing.assert_array_equal(both["n_respondents"], both["n_respondents_r"])


@pytest.mark.parametrize("name", sorted(CASES))
@pytest.mark.parametrize("rule", ["mean", "pooled"])
@pytest.mark.parametrize("method", ["logit", "beta"])
def test_design_intervals_match_r(name: str, rule: str, method: str) -> None:
    """The interval formulas at R's design df (degf) give svyciprop's interval. The
    engine's rows use the Satterthwaite df instead: test_reference_df.py checks those
    against svyciprop(df = …)."""
    both = _joined(name, method, rule)
    regular = ~_degenerate(both)
    assert regular.sum() > 30
    reg = both[regular]
    assert (reg["method"] == method).all()
    est, se, ddf = (reg[c].to_numpy(dtype=float) for c in ("estimate", "se", "design_df"))
    if method == "logit":
        low, high = logit_interval(est, se, ddf)
    else:
        low, high = korn_graubard_interval(est, se, ddf, reg["n_answers"].to_numpy(float))
    np.testing.assert_allclose(low, reg[f"{method}_low"], rtol=RTOL)
    np.testing.assert_allclose(high, reg[f"{method}_high"], rtol=RTOL)


@pytest.mark.parametrize("name", sorted(CASES))
@pytest.mark.parametrize("method", ["logit", "beta"])
def test_degenerate_cells_use_labelled_fallback(name: str, method: str) -> None:
    """R returns NaN or a degenerate interval here; we return Clopper–Pearson with one
    trial per respondent and say so in ``method``."""
    both = _joined(name, method, "mean")
    deg = both[_degenerate(both)]
    assert len(deg) >= 5
    assert deg["method"].str.startswith("clopper-pearson (fallback: ").all()
    assert deg[["ci_low", "ci_high"]].notna().all().all()
    assert ((deg["ci_low"] <= deg["estimate"]) & (deg["estimate"] <= deg["ci_high"])).all()
    ones = deg[deg["estimate"] == 1.0]
    assert len(ones) > 0 and (ones["method"] == "clopper-pearson (fallback: p=1)").all()
    # Clopper–Pearson with x = n: lower bound (α/2)^(1/n), upper 1
    np.testing.assert_allclose(ones["ci_low"], 0.025 ** (1 / ones["n_respondents"]), rtol=1e-12)
    assert (ones["ci_high"] == 1.0).all()
    if name == "weighted":  # two respondents, each alone in its stratum
        lonely = deg[deg["group"] == "Văn phòng ĐKĐĐ"]
        assert (lonely["df"] == 0).all() and len(lonely) > 0


@pytest.mark.parametrize("method,col", [("wilson", "wilson"), ("clopper-pearson", "cp"),
                                        ("jeffreys", "jeffreys")])
def test_independent_answer_methods_match_r(method: str, col: str) -> None:
    both = _joined("basic", method, "mean")
    rows = both[both[f"{col}_low"].notna()]
    assert len(rows) > 50 and rows["level"].isin(["item", "pooled"]).all()
    assert (rows["method"] == f"{method} (independent answers)").all()
    np.testing.assert_allclose(rows["ci_low"], rows[f"{col}_low"], rtol=RTOL, atol=1e-15)
    np.testing.assert_allclose(rows["ci_high"], rows[f"{col}_high"], rtol=RTOL, atol=1e-15)
