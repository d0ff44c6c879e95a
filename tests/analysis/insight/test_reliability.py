"""Cronbach's alpha on a textbook example, Feldt's interval on published examples."""

from __future__ import annotations

import numpy as np
import pytest

from analysis.reliability import cronbach_alpha, feldt_interval, item_rest, reliability_table

# Denis DJ (2016), Applied Univariate, Bivariate, and Multivariate Statistics, Wiley,
# ch. 2, SPSS RELIABILITY example: 5 items, 10 cases; α = 0.633, item SDs 2.71006,
# 5.05085, 4.74810, 2.71621, 3.80058; r(item1, item2) = 0.679, r(item1, item4) = 0.827.
DENIS = np.array([
    [10, 12, 15, 11, 12], [12, 18, 12, 12, 1], [8, 16, 14, 14, 4], [6, 8, 16, 8, 6],
    [4, 7, 8, 7, 5], [6, 6, 3, 7, 3], [3, 4, 6, 5, 8], [7, 3, 7, 9, 9], [8, 9, 4, 10, 10],
    [9, 5, 6, 11, 12]], dtype=float)


def test_alpha_textbook_example():
    assert cronbach_alpha(DENIS) == pytest.approx(0.633, abs=5e-4)
    assert DENIS.std(axis=0, ddof=1) == pytest.approx([2.71006, 5.05085, 4.74810, 2.71621,
                                                       3.80058], abs=5e-6)
    r = np.corrcoef(DENIS.T)
    assert r[0, 1] == pytest.approx(0.679, abs=5e-4)
    assert r[0, 3] == pytest.approx(0.827, abs=5e-4)


def test_item_rest_and_alpha_if_deleted():
    r, drop = item_rest(DENIS)
    for j in range(5):
        rest = np.delete(DENIS, j, axis=1)
        assert drop[j] == pytest.approx(cronbach_alpha(rest))
        assert r[j] == pytest.approx(np.corrcoef(DENIS[:, j], rest.sum(axis=1))[0, 1])
    assert np.argmin(r) == 4 and drop[4] > cronbach_alpha(DENIS)  # item 5 is the odd one


@pytest.mark.parametrize(
    ("alpha", "n", "k", "low", "high"),
    [
        (0.913, 873, 20, 0.9044024, 0.9211588),  # Evans, MRC CBU statswiki (R feldt1.return)
        (0.591719, 15, 10, 0.1949217, 0.8398209),  # real-statistics.com worked example
    ],
)
def test_feldt_interval_published(alpha, n, k, low, high):
    lo, hi = feldt_interval(alpha, n, k)
    assert (float(lo), float(hi)) == pytest.approx((low, high), abs=1e-6)


def test_reliability_table_flags_broken_item(split):
    tab = reliability_table(split[0])
    flagged = set(tab.loc[tab["flag"], "item"])
    assert flagged == {"TT3"}  # answers at random in the synthetic data
    assert (tab["alpha_low"] <= tab["alpha"]).all() and (tab["alpha"] <= tab["alpha_high"]).all()
    by_unit = reliability_table(split[0], by=["unit"])
    assert by_unit["unit"].nunique() == 12


def test_alpha_if_deleted_is_nan_when_the_rest_has_no_variance():
    """Items 2 and 3 move in opposite directions: deleting item 1 leaves a rest whose
    total has no variance, so its alpha is undefined (issue 13 item 11: was -inf)."""
    from analysis.reliability import item_rest

    x = np.array([[1, 1, 5], [2, 2, 4], [5, 3, 3], [3, 4, 2]], dtype=float)
    _, drop = item_rest(x)
    assert np.isnan(drop[0]) and not np.isinf(drop).any()
