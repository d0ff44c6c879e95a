"""The priority table says when its importances are a fallback (no model could be fitted:
equal weights) and its quadrant labels agree with its ranking (issue 13.5)."""

from __future__ import annotations

import pandas as pd
import pytest

from analysis.priority import (
    EQUAL_WEIGHTS,
    NOT_ASSESSED,
    QUADRANTS,
    element_importance,
    element_scores,
    priority_table,
)


def _urgency(quadrants: pd.Series) -> list[int]:
    return [len(QUADRANTS) - QUADRANTS.index(q) for q in quadrants]


def test_labels_agree_with_the_ranking(split):
    """On the synthetic district the #1 element (CC: importance far above the mean,
    dissatisfaction just under it) was labelled "keep up", and the last (TT) "secondary"
    below a "low priority" one."""
    ans, overall = split
    tab = priority_table(ans, overall)
    assert (tab["fallback"] == "").all()
    assert tab.loc[0, "rank"] == 1 and tab.loc[0, "quadrant"] == "fix first"
    urgency = _urgency(tab["quadrant"])
    assert urgency == sorted(urgency, reverse=True), list(tab["quadrant"])
    per_unit = priority_table(ans[ans["period"] == "2025"], overall, by=["unit"])
    for _, rows in per_unit.groupby("unit"):
        urgency = _urgency(rows["quadrant"])
        assert urgency == sorted(urgency, reverse=True)
        assert rows["quadrant"].iloc[0] == "fix first"


def _check_fallback(ans, overall):
    imp = element_importance(ans, overall)
    assert (imp["fallback"] == EQUAL_WEIGHTS).all() and (imp["note"] != "").all()
    tab = priority_table(ans, overall)
    assert (tab["fallback"] == EQUAL_WEIGHTS).all()
    assert tab["importance"].to_numpy() == pytest.approx(0.2)
    # made-up importances label nothing "fix first"
    assert set(tab["quadrant"]) == {NOT_ASSESSED}


def test_no_variation_in_overall_satisfaction_is_a_fallback(split):
    ans, overall = split
    _check_fallback(ans, overall.assign(value=5.0))


def test_perfect_separation_is_a_fallback(split):
    ans, overall = split
    cc = element_scores(ans)["CC"]
    value = overall["response_id"].map(lambda r: 5.0 if cc.get(r, 0) >= 3.5 else 1.0)
    _check_fallback(ans, overall.assign(value=value))
