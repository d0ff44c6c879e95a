"""Bernoulli CUSUM (issue 17 item 4): the designed in-control ARL is what a simulated
chart gives, the threshold is the smallest that reaches it, and a signal is dated."""

from __future__ import annotations

import sys
from pathlib import Path

import numpy as np
import pytest

from analysis.cusum import CusumDesign, cusum_signal, design_cusum, run_length

sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "bench"))
import alerts


def test_markov_chain_arl_is_the_geometric_one_when_one_failure_signals():
    assert run_length(0.9, up=5, down=2, threshold=5) == pytest.approx(10.0)
    # two failures in a row signal (up 1, down 1, H 2): ARL = (1 + q)/q² with q = 1 − p
    q = 0.2
    assert run_length(0.8, up=1, down=1, threshold=2) == pytest.approx((1 + q) / q**2)


@pytest.mark.parametrize("p0", [0.8, 0.9])
def test_design_reaches_the_in_control_arl_with_the_smallest_threshold(p0):
    d = design_cusum(p0, arl0=500)
    assert d.arl0 >= 500 > run_length(p0, d.up, d.down, d.threshold - 1)
    assert d.p1 == pytest.approx(p0 - 0.10) and d.arl1 < d.arl0 / 5


@pytest.mark.parametrize("p0", [0.8, 0.9])
def test_simulated_run_lengths_are_within_10_percent_of_the_design(p0):
    """bench/alerts.py, small: 1,500 in-control streams (se of the mean ≈ 2.6%)."""
    d = design_cusum(p0, arl0=200)
    rl = alerts.run_lengths(d, p0, 1500, 20_000, np.random.default_rng(11))
    assert abs(rl.mean() / d.arl0 - 1) < 0.10
    shifted = alerts.run_lengths(d, d.p1, 1500, 20_000, np.random.default_rng(12))
    assert abs(shifted.mean() / d.arl1 - 1) < 0.10


def test_signal_is_dated_from_the_last_time_the_chart_stood_at_zero():
    d = CusumDesign(p0=0.9, p1=0.8, up=10, down=3, threshold=30, step=0.01, arl0=0, arl1=0)
    y = np.array([1] * 20 + [0, 1, 0, 0] + [1] * 5)
    # S: 0 … 0 | 10, 7, 17, 27 | 24, 21, … never reaches 30
    assert cusum_signal(y, d) == (None, None)
    y = np.array([1] * 20 + [0, 1, 0, 0, 0] + [1] * 5)
    # 10, 7, 17, 27, 37 → signal at index 24; S was last 0 after index 19
    assert cusum_signal(y, d) == (24, 20)
