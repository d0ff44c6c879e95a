"""Priority table: overall question split off, importance by logistic regression with
cluster-robust errors, expectations, documented priority score."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
import statsmodels.api as sm

from analysis.io import InputError, read_expectations, read_overall
from analysis.priority import (
    element_importance,
    element_scores,
    expectation_shares,
    priority_table,
    split_overall,
)


def test_split_overall(answers_all, split):
    ans, overall = split
    assert "HL" not in set(ans["item"]) and len(overall) == answers_all["response_id"].nunique()
    with pytest.raises(InputError, match="no answer has item 'XX'"):
        split_overall(answers_all, "XX")


def test_importance_matches_statsmodels_cluster_fit(split):
    ans, overall = split
    imp = element_importance(ans, overall, cluster="unit")
    assert set(imp["se_type"]) == {"cluster"} and (imp["note"] == "").all()
    # refit by hand: same coefficients and cluster-robust SEs
    sc = element_scores(ans)
    y = overall.set_index("response_id")["value"].reindex(sc.index)
    data = sc.assign(_y=(y >= 4).astype(float)).dropna()
    units = ans.drop_duplicates("response_id").set_index("response_id")["unit"]
    fit = sm.Logit(data["_y"], sm.add_constant(data[list(sc.columns)])).fit(
        disp=0, cov_type="cluster", cov_kwds={"groups": pd.factorize(units[data.index])[0]})
    assert imp["coef"].to_numpy() == pytest.approx(fit.params.to_numpy()[1:])
    assert imp["se"].to_numpy() == pytest.approx(fit.bse.to_numpy()[1:])
    assert imp["importance"].sum() == pytest.approx(1.0)
    assert imp.set_index("element").loc["TT", "importance"] < imp["importance"].max()


def test_hc1_with_few_clusters(split):
    ans, overall = split
    one = ans[ans["unit"].isin(["UBND xã Xuân Hòa", "Sở Tư pháp"])]
    assert set(element_importance(one, overall)["se_type"]) == {"HC1"}


def test_priority_score_and_order(split):
    ans, overall = split
    tab = priority_table(ans, overall)
    assert list(tab["rank"]) == [1, 2, 3, 4, 5]
    assert tab["priority"].to_numpy() == pytest.approx(
        (tab["dissatisfaction"] * tab["importance"]).to_numpy())
    assert (np.diff(tab["priority"]) <= 0).all()
    per_unit = priority_table(ans[ans["period"] == "2025"], overall, by=["unit"])
    assert per_unit.groupby("unit")["rank"].min().eq(1).all()
    items = priority_table(ans, overall, level_name="item")
    assert len(items) == 14 and items["importance"].notna().all()


def test_expectations_enter_the_score(split, tmp_path):
    ans, overall = split
    ids = overall["response_id"].to_numpy()[:200]
    rows = [(r, e, 3 if e == "TT" else 1) for r in ids for e in ("TC", "TT", "CC", "KQ", "PA")]
    path = tmp_path / "exp.csv"
    pd.DataFrame(rows, columns=["response_id", "item", "value"]).to_csv(path, index=False)
    exp = read_expectations(path)
    sh = expectation_shares(exp).set_index("item")
    assert sh.loc["TT", "expectation_weight"] == pytest.approx(1.0)
    tab = priority_table(ans, overall, exp).set_index("index")
    assert tab.loc["TT", "priority"] == pytest.approx(
        tab.loc["TT", "dissatisfaction"] * (tab.loc["TT", "importance"] + 1.0) / 2)


def test_overall_file_errors(tmp_path):
    p = tmp_path / "overall.csv"
    p.write_text("response_id,value\nR1,5\nR2,7\n", encoding="utf-8")
    with pytest.raises(InputError, match="line 3: value '7'"):
        read_overall(p)
    p.write_text("response_id,value\nR1,5\nR1,4\n", encoding="utf-8")
    with pytest.raises(InputError, match="line 3: response_id repeats"):
        read_overall(p)
