"""The engine's Satterthwaite df and the intervals it gives, against R survey 4.1.1
(reference/make_df_reference.R: R's influence functions, and svyciprop with that df).

Tolerances: estimates 1e-9 absolute; se, df and interval bounds 1e-6 relative."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from analysis.indices import compute_indices
from analysis.io import read_answers

REF = Path(__file__).parent / "reference"
CASES = {
    "basic": dict(by=["unit", "field"], weights=None, strata=None),
    "weighted": dict(by=["unit"], weights="weight", strata="district"),
}


def _both(name: str, method: str, rule: str) -> pd.DataFrame:
    case = CASES[name]
    answers = read_answers(REF / f"{name}.csv", by=case["by"], weights=case["weights"],
                           strata=case["strata"])
    ours = compute_indices(answers, by=case["by"], method=method, element_rule=rule)
    ours["group"] = ours[case["by"]].astype(str).agg("|".join, axis=1)
    ref = pd.read_csv(REF / f"reference_df_{name}.csv", encoding="utf-8")
    ref = ref[ref["element_rule"].isin(["any", rule])]
    both = ref.merge(ours, on=["group", "level", "index"], how="left", suffixes=("_r", ""))
    assert both["estimate"].notna().all()
    return both


@pytest.mark.parametrize("name", sorted(CASES))
@pytest.mark.parametrize("rule", ["mean", "pooled"])
def test_satterthwaite_df_matches_r_influence_functions(name: str, rule: str) -> None:
    both = _both(name, "logit", rule)
    assert len(both) > 40
    np.testing.assert_allclose(both["estimate"], both["estimate_r"], atol=1e-9, rtol=0)
    # R's influence functions give back R's variance: the terms are the right ones
    np.testing.assert_allclose(both["var_from_influence"], both["se_r"] ** 2, rtol=1e-9,
                               atol=1e-15)
    np.testing.assert_array_equal(both["design_df"], both["design_df_r"])
    np.testing.assert_allclose(both["df"], both["df_r"], rtol=1e-6)
    # the correction bites: most cells have fewer df than the design gives
    assert (both["df"] < both["design_df"] - 0.5).mean() > 0.3
    assert (both["df"] <= both["design_df"]).all()


@pytest.mark.parametrize("name", sorted(CASES))
@pytest.mark.parametrize("rule", ["mean", "pooled"])
@pytest.mark.parametrize("method", ["logit", "beta"])
def test_intervals_are_svyciprop_with_that_df(name: str, rule: str, method: str) -> None:
    both = _both(name, method, rule)
    regular = both[both["method"] == method]
    assert len(regular) > 30
    np.testing.assert_allclose(regular["ci_low"], regular[f"{method}_low"], rtol=1e-6)
    np.testing.assert_allclose(regular["ci_high"], regular[f"{method}_high"], rtol=1e-6)
