"""Holm and Benjamini–Hochberg, hand-computed; flags below target."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from analysis.multiple import adjust_pvalues, flag_below_target
from analysis.targets import apply_targets

P = np.array([0.01, 0.04, 0.03, 0.005])


def test_holm_by_hand():
    # sorted 0.005, 0.01, 0.03, 0.04 × 4, 3, 2, 1 = 0.02, 0.03, 0.06, 0.04 → cummax
    assert adjust_pvalues(P, "holm") == pytest.approx([0.03, 0.06, 0.06, 0.02])


def test_bh_by_hand():
    # sorted × 4/1, 4/2, 4/3, 4/4 = 0.02, 0.02, 0.04, 0.04 → cummin from the top
    assert adjust_pvalues(P, "bh") == pytest.approx([0.02, 0.04, 0.04, 0.02])


def test_nan_not_in_family_and_method_explicit():
    out = adjust_pvalues(np.array([0.01, np.nan, 0.04]), "holm")
    assert np.isnan(out[1]) and out[[0, 2]] == pytest.approx([0.02, 0.04])
    with pytest.raises(ValueError):
        adjust_pvalues(P, "holm-sidak")


def test_below_single_row_matches_interval_status(results):
    ov = results[results["level"] == "overall"]
    tab = apply_targets(ov, pd.DataFrame({"scope": [""], "field": [""], "target": [0.8]}))
    for _, row in tab.iterrows():  # m = 1: the one-sided test is dual to the interval
        one = flag_below_target(row.to_frame().T.infer_objects(), method="none")
        assert bool(one["below_adjusted"].iloc[0]) == (row["status"] == "below")


def test_below_adjusted_is_stricter(results):
    ov = results[results["level"] == "overall"]
    tab = apply_targets(ov, pd.DataFrame({"scope": [""], "field": [""], "target": [0.8]}))
    holm = flag_below_target(tab, "holm")
    raw = flag_below_target(tab, "none")
    assert holm["below_adjusted"].sum() <= raw["below_adjusted"].sum()
    assert (holm.loc[holm["below_adjusted"], "status"] == "below").all()
    assert set(holm["adjustment"]) == {"Holm"}
