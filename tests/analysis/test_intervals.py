"""Interval functions against published worked examples and scipy/statsmodels."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from scipy import stats
from statsmodels.stats.proportion import proportion_confint

from analysis.intervals import (
    clopper_pearson_interval,
    jeffreys_interval,
    logit_interval,
    wilson_interval,
)
from analysis.methods import interval_table


@pytest.mark.parametrize("x,n,low,high", [(81, 263, 0.2553, 0.3662), (15, 148, 0.0624, 0.1605)])
def test_wilson_newcombe_1998(x: int, n: int, low: float, high: float) -> None:
    lo, hi = wilson_interval(np.array(x / n), np.array(n))
    assert round(float(lo), 4) == low and round(float(hi), 4) == high


@pytest.mark.parametrize("x,n", [(81, 263), (15, 148), (0, 10), (10, 10), (1, 1)])
def test_clopper_pearson_equals_binomtest(x: int, n: int) -> None:
    ci = stats.binomtest(x, n).proportion_ci(confidence_level=0.95, method="exact")
    lo, hi = clopper_pearson_interval(np.array(x / n), np.array(n))
    np.testing.assert_allclose([lo, hi], [ci.low, ci.high], rtol=1e-10, atol=1e-15)


@pytest.mark.parametrize("x,n", [(81, 263), (15, 148), (3, 7)])
def test_jeffreys_interior_equals_statsmodels(x: int, n: int) -> None:
    lo, hi = jeffreys_interval(np.array(x / n), np.array(n))
    np.testing.assert_allclose([lo, hi], proportion_confint(x, n, method="jeffreys"),
                               rtol=1e-10)


def test_jeffreys_boundaries_follow_brown_cai_dasgupta() -> None:
    lo, hi = jeffreys_interval(np.array([0.0, 1.0]), np.array([20, 20]))
    assert lo[0] == 0 and hi[1] == 1 and 0 < hi[0] < 0.2 and 0.8 < lo[1] < 1


@settings(max_examples=200, deadline=None)
@given(p=st.floats(0.001, 0.999), se=st.floats(1e-4, 0.3), df=st.integers(1, 500))
def test_logit_interval_contains_estimate_and_is_monotone_in_level(p, se, df) -> None:
    lo95, hi95 = logit_interval(np.array(p), np.array(se), np.array(df), 0.95)
    lo99, hi99 = logit_interval(np.array(p), np.array(se), np.array(df), 0.99)
    assert 0 <= lo99 <= lo95 <= p <= hi95 <= hi99 <= 1


def test_fallbacks_are_labelled_and_finite() -> None:
    p = np.array([0.0, 1.0, 0.5, 0.4, 0.7])
    se = np.array([0.0, 0.0, 0.1, 0.0, 0.05])
    df = np.array([9, 9, 0, 5, 20])
    tab = interval_table(p, se, df, n_answers=np.array([30] * 5),
                         n_respondents=np.array([10, 10, 1, 6, 21]), method="logit")
    assert list(tab["method"]) == [
        "clopper-pearson (fallback: p=0)", "clopper-pearson (fallback: p=1)",
        "clopper-pearson (fallback: df=0)", "clopper-pearson (fallback: se=0)", "logit"]
    assert np.isfinite(tab["ci_low"]).all() and np.isfinite(tab["ci_high"]).all()
    assert tab["ci_low"][0] == 0 and tab["ci_high"][0] == pytest.approx(1 - 0.025 ** 0.1)
