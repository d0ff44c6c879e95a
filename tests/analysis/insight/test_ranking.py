"""Empirical-Bayes shrinkage: hand-computed posterior, properties, league table."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from scipy import stats

from analysis.ranking import BetaPrior, effective_counts, fit_beta_prior, rank_units, shrink


def test_shrink_hand_computed():
    # prior mean 0.9, strength 20 → Beta(18, 2); unit 6/8 → Beta(24, 4)
    post = shrink(np.array([6.0]), np.array([8.0]), BetaPrior(0.9, 20.0))
    assert post["mean"][0] == pytest.approx(24 / 28)  # (6 + 18)/(8 + 20) = 0.857143
    assert post["weight"][0] == pytest.approx(20 / 28)
    # = B·μ + (1 − B)·p̂
    assert post["mean"][0] == pytest.approx(20 / 28 * 0.9 + 8 / 28 * 0.75)
    assert post["low"][0] == pytest.approx(stats.beta.ppf(0.025, 24, 4))


def test_effective_counts_from_design_se():
    y, n = effective_counts([0.8, 1.0], [0.04, 0.0], [50, 30], [500, 90])
    assert n == pytest.approx([0.8 * 0.2 / 0.04**2, 30])  # 100 and the fallback
    assert y == pytest.approx([80, 30])


def test_fit_recovers_simulated_prior():
    rng = np.random.default_rng(7)
    theta = rng.beta(0.85 * 40, 0.15 * 40, size=400)
    n = rng.integers(20, 200, size=400).astype(float)
    y = rng.binomial(n.astype(int), theta).astype(float)
    prior = fit_beta_prior(y, n)
    assert prior.mean == pytest.approx(0.85, abs=0.01)
    assert 25 < prior.strength < 65


def test_identical_units_shrink_completely():
    prior = fit_beta_prior(np.array([80.0, 40.0, 160.0]), np.array([100.0, 50.0, 200.0]))
    assert prior.mean == pytest.approx(0.8, abs=1e-3)
    assert prior.strength > 1e4


@settings(max_examples=60, deadline=None)
@given(st.floats(0.05, 0.95), st.floats(1, 500), st.lists(st.floats(0, 1), min_size=1,
                                                         max_size=6),
       st.integers(1, 400))
def test_shrinkage_toward_mean_and_less_for_larger_units(mu, m, shares, n):
    prior = BetaPrior(mu, m)
    p = np.array(shares)
    small, large = np.full(len(p), float(n)), np.full(len(p), float(n) * 4)
    ps, pl = shrink(p * small, small, prior), shrink(p * large, large, prior)
    for post in (ps, pl):  # between the raw share and the mean; interval holds it, in [0, 1]
        assert np.all(np.minimum(p, mu) - 1e-12 <= post["mean"])
        assert np.all(post["mean"] <= np.maximum(p, mu) + 1e-12)
        assert np.all((post["low"] >= 0) & (post["low"] <= post["mean"] + 1e-12))
        assert np.all((post["mean"] - 1e-12 <= post["high"]) & (post["high"] <= 1))
    assert np.all(np.abs(pl["mean"] - p) <= np.abs(ps["mean"] - p) + 1e-12)
    assert np.all(pl["weight"] < ps["weight"])


def test_league_table(results):
    tab = rank_units(results, within=["period"], min_respondents=30, n_sim=1000, target=0.8)
    t25 = tab[tab["period"] == "2025"]
    ranked = t25[t25["rankable"]]
    assert list(ranked["rank"]) == sorted(ranked["rank"])
    assert (ranked["rank_low"] <= ranked["rank"]).all()
    assert (ranked["rank"] <= ranked["rank_high"]).all()
    small = t25[~t25["rankable"]]
    assert set(small["unit"]) == {"UBND xã Suối Cát", "UBND xã Bảo Hòa",
                                  "Bệnh viện Đa khoa khu vực"}
    assert small["rank"].isna().all() and (small["note"] != "").all()
    mu = t25["prior_mean"].iloc[0]
    move = (t25["shrunken"] - t25["estimate"]).abs()
    assert ((t25["shrunken"] - mu).abs() <= (t25["estimate"] - mu).abs() + 1e-12).all()
    # the 8-respondent unit moves more than the 200-respondent unit
    by_unit = dict(zip(t25["unit"], move, strict=True))
    assert by_unit["UBND xã Suối Cát"] > by_unit["UBND thị trấn Gia Ray"]
    assert t25["p_below_target"].between(0, 1).all()
