"""Change between periods: Newcombe (1998) worked examples, design-based difference."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from analysis.change import compare_periods, design_difference, newcombe_difference, trend_series


@pytest.mark.parametrize(
    ("x1", "n1", "x2", "n2", "d", "low", "high"),
    [  # Newcombe (1998), Statistics in Medicine 17:873–890, Table II, method 10
        (56, 70, 48, 80, 0.2000, 0.0524, 0.3339),
        (9, 10, 3, 10, 0.6000, 0.1705, 0.8090),
    ],
)
def test_newcombe_worked_examples(x1, n1, x2, n2, d, low, high):
    est, lo, hi = newcombe_difference(x1, n1, x2, n2)
    assert est == pytest.approx(d, abs=5e-5)
    assert lo == pytest.approx(low, abs=5e-5)
    assert hi == pytest.approx(high, abs=5e-5)


def test_newcombe_antisymmetric():
    d1, l1, h1 = newcombe_difference(56, 70, 48, 80)
    d2, l2, h2 = newcombe_difference(48, 80, 56, 70)
    assert (d1, l1, h1) == pytest.approx((-d2, -h2, -l2))


@given(st.integers(1, 400), st.integers(1, 400), st.floats(0, 1), st.floats(0, 1),
       st.sampled_from([0.8, 0.9, 0.95, 0.99]))
def test_newcombe_contains_difference_and_is_bounded(n1, n2, f1, f2, level):
    x1, x2 = round(f1 * n1), round(f2 * n2)
    d, lo, hi = newcombe_difference(x1, n1, x2, n2, level)
    assert -1 - 1e-12 <= lo <= d + 1e-12
    assert d - 1e-12 <= hi <= 1 + 1e-12


def test_design_difference_formula():
    d, se, lo, hi, p = design_difference(0.85, 0.03, 0.80, 0.04)
    assert d == pytest.approx(0.05)
    assert se == pytest.approx(0.05)  # sqrt(0.03² + 0.04²)
    assert (lo, hi) == pytest.approx((0.05 - 1.959964 * 0.05, 0.05 + 1.959964 * 0.05), abs=1e-6)
    assert p == pytest.approx(2 * (1 - 0.8413447), abs=1e-6)  # z = 1


@given(st.floats(0, 1), st.floats(0, 0.3), st.floats(0, 1), st.floats(0, 0.3))
def test_design_interval_contains_difference(e1, s1, e2, s2):
    d, _, lo, hi, p = design_difference(e1, s1, e2, s2)
    degenerate = min(s1, s2) <= 1e-12 or {e1, e2} & {0.0, 1.0} or min(e1, e2, 1 - e1,
                                                                        1 - e2) <= 1e-12
    if degenerate:  # se = 0 or p in {0, 1}: no test (issue 13 item 6)
        assert np.isnan(lo) and np.isnan(hi) and np.isnan(p)
    else:
        assert -1 <= lo <= d + 1e-12 and d - 1e-12 <= hi <= 1


def test_compare_periods_uses_engine_se(results):
    ch = compare_periods(results, "2024", "2025", by=["unit"])
    row = ch[(ch["unit"] == "UBND xã Xuân Hòa") & (ch["level"] == "overall")].iloc[0]
    src = results[(results["unit"] == "UBND xã Xuân Hòa") & (results["level"] == "overall")]
    a, b = src[src["period"] == "2024"].iloc[0], src[src["period"] == "2025"].iloc[0]
    assert row["change"] == pytest.approx(b["estimate"] - a["estimate"])
    assert row["se"] == pytest.approx(np.hypot(a["se"], b["se"]))
    # Holm within one index: adjusted p ≥ raw p, the family is the 12 units
    fam = ch[ch["level"] == "overall"]
    assert len(fam) == 12 and (fam["p_adjusted"] >= fam["p_value"] - 1e-15).all()
    assert set(ch["adjustment"]) == {"Holm"}
    assert set(fam["direction"]) <= {"improved", "worse", "no clear change"}


def test_compare_periods_newcombe_on_items(results):
    ch = compare_periods(results, "2024", "2025", by=["unit"], method="newcombe", adjust="bh")
    ratio = ch["level"].isin(["item", "pooled"])
    assert (ch.loc[ratio, "ci_low"] <= ch.loc[ratio, "change"] + 1e-12).all()
    assert (ch.loc[ratio, "change"] <= ch.loc[ratio, "ci_high"] + 1e-12).all()
    assert set(ch["adjustment"]) == {"Benjamini–Hochberg"}
    # issue 13 item 12: no Newcombe interval from pseudo-counts on element/overall rows
    assert ch.loc[~ratio, ["ci_low", "ci_high", "p_value"]].isna().all().all() and (~ratio).any()


def test_trend_series_order_and_bands(results):
    ts = trend_series(results, by=["unit"], periods=["2025", "2024"])
    first = ts[ts["unit"] == ts["unit"].iloc[0]]
    assert list(first["period"]) == ["2025", "2024"]
    assert (ts["ci_low"] <= ts["estimate"]).all() and (ts["estimate"] <= ts["ci_high"]).all()


def test_no_change_is_called_from_degenerate_or_one_respondent_cells():
    """Issue 13 item 6: 0.567 (1 respondent, se 0) → 0.827 (2 respondents) was
    'improved' with Holm p = 1.8e-41; a one-respondent cell is not an exact value."""
    import pandas as pd

    res = pd.DataFrame({"period": ["a", "b", "a", "b"], "unit": ["S", "S", "T", "T"],
                        "level": "overall", "index": "overall",
                        "estimate": [0.567, 0.827, 0.875, 0.286], "se": [0.0, 0.05, 0.1, 0.1],
                        "df": [0, 1, 1, 1], "n_respondents": [1, 2, 2, 2],
                        "n_answers": [20, 40, 40, 40]})
    ch = compare_periods(res, "a", "b", by=["unit"]).set_index("unit")
    assert ch.loc["S", "direction"] == "not enough evidence"
    assert np.isnan(ch.loc["S", "p_value"]) and np.isnan(ch.loc["S", "ci_low"])
    # 0.875 → 0.286 on 2 and 2 respondents: t with df ≈ 2 (not z) says no clear change
    assert ch.loc["T", "direction"] == "no clear change"
    d, se, lo, hi, p = design_difference(0.286, 0.1, 0.875, 0.1, df1=1, df2=1)
    assert p > 0.05 and lo < 0 < hi
