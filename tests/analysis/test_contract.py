"""The sufficient-statistics contract: the one-call CSV path equals the result built
from hand-made GROUP BY tables, as the SQL layer will build them."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from analysis.engine import finish, score_coefficients
from analysis.indices import compute_indices, sort_results
from analysis.io import read_answers

REF = Path(__file__).parent / "reference"
BY = ["unit"]


def _sql_like_tables(answers: pd.DataFrame, rule: str):
    """What the SQL path does: WHERE value IS NOT NULL, then plain GROUP BYs."""
    valid = answers[answers["value"].notna()].copy()
    valid["y"] = (valid["value"] >= 4).astype(float)
    valid["wy"] = valid["weight"] * valid["y"]
    item_sums = valid.groupby([*BY, "item"], as_index=False).agg(
        sum_wy=("wy", "sum"), sum_wx=("weight", "sum"), n_answers=("y", "size"))
    stratum_sizes = (valid.groupby("stratum")["response_id"].nunique()
                     .rename("n_psu").reset_index())
    items = answers[["item", "element"]].drop_duplicates("item")
    coef = score_coefficients(item_sums, items, BY, rule)
    # SELECT ..., SUM(w*(a*y - b)) AS z, COUNT(*) AS m FROM valid JOIN coef USING (unit, item)
    # GROUP BY unit, level, index, stratum, response_id
    joined = valid.merge(coef, on=[*BY, "item"])
    joined["z"] = joined["weight"] * (joined["a"] * joined["y"] - joined["b"])
    per_resp = joined.groupby([*BY, "level", "index", "stratum", "response_id"],
                              as_index=False).agg(z=("z", "sum"), m=("z", "size"))
    for power in (2, 3, 4):
        per_resp[f"z{power}"] = per_resp["z"] ** power
    score_sums = per_resp.groupby([*BY, "level", "index", "stratum"], as_index=False).agg(
        n_respondents=("z", "size"), n_answers=("m", "sum"), sum_z=("z", "sum"),
        sum_z2=("z2", "sum"), sum_z3=("z3", "sum"), sum_z4=("z4", "sum"))
    return item_sums, coef, score_sums, stratum_sizes, items


@pytest.mark.parametrize("rule", ["mean", "pooled"])
@pytest.mark.parametrize("method", ["logit", "beta", "wilson"])
def test_hand_built_sums_give_the_csv_result(rule: str, method: str) -> None:
    answers = read_answers(REF / "weighted.csv", by=BY, weights="weight", strata="district")
    item_sums, coef, score_sums, stratum_sizes, items = _sql_like_tables(answers, rule)
    assert list(item_sums.columns) == [*BY, "item", "sum_wy", "sum_wx", "n_answers"]
    assert list(coef.columns) == [*BY, "level", "index", "item", "a", "b"]
    assert list(score_sums.columns) == [*BY, "level", "index", "stratum", "n_respondents",
                                        "n_answers", "sum_z", "sum_z2", "sum_z3",
                                        "sum_z4"]
    via_sql = sort_results(
        finish(item_sums, coef, score_sums, stratum_sizes, BY, method), BY, items)
    via_csv = compute_indices(answers, by=BY, method=method, element_rule=rule)
    assert len(via_csv) == len(via_sql) > 50
    pd.testing.assert_frame_equal(via_csv[[*BY, "level", "index", "method", "n_respondents",
                                           "n_answers", "design_df"]],
                                  via_sql[[*BY, "level", "index", "method", "n_respondents",
                                           "n_answers", "design_df"]])
    for col in ["estimate", "se", "ci_low", "ci_high", "df"]:
        np.testing.assert_allclose(via_csv[col], via_sql[col], rtol=1e-12, atol=1e-15)


def test_scores_sum_to_zero_and_estimate_identity() -> None:
    """Σ_k a·sum_wy = Σ_k b·sum_wx = θ: the linearised scores of every index sum to 0."""
    answers = read_answers(REF / "basic.csv", by=BY)
    item_sums, coef, score_sums, _, _ = _sql_like_tables(answers, "mean")
    m = coef.merge(item_sums, on=[*BY, "item"])
    m["ay"], m["bx"] = m["a"] * m["sum_wy"], m["b"] * m["sum_wx"]
    tot = m.groupby([*BY, "level", "index"])[["ay", "bx"]].sum()
    np.testing.assert_allclose(tot["ay"], tot["bx"], atol=1e-12)
    z = score_sums.groupby([*BY, "level", "index"])["sum_z"].sum()
    np.testing.assert_allclose(z, 0, atol=1e-12)
