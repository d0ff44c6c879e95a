"""Bernoulli CUSUM alerts: the Markov-chain ARL against independent computations, the
designed in-control run length against simulation, and signal dates on hand-made streams.
"""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest

from analysis.alerts import (
    arl,
    cusum_alerts,
    design_cusum,
    responses_from_overall,
    run_cusum,
    simulate_run_lengths,
    unit_alerts,
)


def brute_force_arl(p: float, up: int, down: int, h: int, tol: float = 1e-14) -> float:
    """ARL = Σ_n P(RL > n), by carrying the distribution of the actual score
    max(0, s + step) forward response by response (no matrix, no linear solve)."""
    alive = {0: 1.0}
    total = 0.0
    while sum(alive.values()) > tol:
        total += sum(alive.values())
        nxt: dict[int, float] = {}
        for s, pr in alive.items():
            if s + up < h:
                nxt[s + up] = nxt.get(s + up, 0.0) + pr * p
            t = max(0, s - down)
            nxt[t] = nxt.get(t, 0.0) + pr * (1 - p)
        alive = nxt
    return total


@pytest.mark.parametrize("p,up,down,h", [(0.3, 3, 2, 5), (0.1, 7, 1, 12), (0.45, 2, 3, 9),
                                         (0.2, 5, 10, 23)])
def test_markov_arl_equals_brute_force(p: float, up: int, down: int, h: int) -> None:
    assert arl(p, up, down, h) == pytest.approx(brute_force_arl(p, up, down, h), rel=1e-10)


@pytest.mark.parametrize("p,h", [(0.3, 4), (0.6, 7), (0.5, 5)])
def test_markov_arl_equals_gamblers_ruin(p: float, h: int) -> None:
    # up = down = 1, reflected at 0: with D_i = L_i − L_{i+1}, p·D_0 = 1 and
    # p·D_i = 1 + q·D_{i−1}, so ARL = L_0 = Σ_{i<h} (1/p)·Σ_{j≤i} (q/p)^j.
    r = (1 - p) / p
    expected = sum(sum(r**j for j in range(i + 1)) / p for i in range(h))
    assert arl(p, 1, 1, h) == pytest.approx(expected, rel=1e-12)


def test_one_dissatisfied_response_signals_geometric() -> None:
    assert arl(0.2, 10, 3, 10) == pytest.approx(1 / 0.2, rel=1e-12)


def test_design_is_the_smallest_threshold_reaching_two_years() -> None:
    d = design_cusum(0.10, 400)
    assert d.arl0 >= 800 > arl(0.10, d.up, d.down, d.h_units - 1)
    assert d.arl1 < d.arl0 / 10
    # the weights' ratio is the log-likelihood ratio's, on the lattice
    ratio = math.log(0.2 / 0.1) / -math.log(0.8 / 0.9)
    assert d.up / d.down == pytest.approx(ratio, abs=0.05)


def test_simulated_in_control_run_length_near_design() -> None:
    d = design_cusum(0.15, 250)
    rl = simulate_run_lengths(0.15, d, 1500, np.random.default_rng(20261201))
    assert rl.mean() == pytest.approx(d.arl0, rel=0.12)
    rl1 = simulate_run_lengths(d.p1, d, 1500, np.random.default_rng(7))
    assert rl1.mean() == pytest.approx(d.arl1, rel=0.12)


def stream(unit: str, satisfied: list[int], start: str = "2026-01-01") -> pd.DataFrame:
    return pd.DataFrame({"unit": unit, "satisfied": satisfied,
                         "submitted_at": pd.date_range(start, periods=len(satisfied), freq="D")})


def test_signal_start_is_first_response_after_the_last_zero() -> None:
    d = design_cusum(0.10, 50)  # up 59, down 10, h 136 lattice units: 3 dissatisfied in a row
    assert (d.up, d.down, d.h_units) == (59, 10, 136)
    # scores: 0 0 59 49 108 98 88 78 68 58 48 38 28 18 8 0 | 59 118 177 → signal on day 19
    sat = [1, 1, 0, 1, 0] + [1] * 11 + [0, 0, 0] + [1, 1]
    out = cusum_alerts(stream("A", sat), p0=0.10, rate=50, max_delay_days=1e9).iloc[0]
    assert out["signalled"] and out["signals"] == 1
    assert out["signal_start"] == pd.Timestamp("2026-01-17")
    assert out["signal_at"] == pd.Timestamp("2026-01-19")
    assert out["score_over_h"] == pytest.approx(0 / 136)  # restarted, then two satisfied


def test_signal_start_at_stream_start_and_restart_after_signal() -> None:
    sat = [0, 1, 0, 1, 0, 0, 1]  # 59 49 108 98 157 → signal day 5; restart: 59 49
    out = cusum_alerts(stream("A", sat), p0=0.10, rate=50, max_delay_days=1e9).iloc[0]
    assert out["signal_start"] == pd.Timestamp("2026-01-01")
    assert out["signal_at"] == pd.Timestamp("2026-01-05")
    assert out["score_over_h"] == pytest.approx(49 / 136)
    assert out["score"] == pytest.approx(49 / 136 * out["h"])


def test_groups_are_charted_separately_and_small_ones_not_at_all() -> None:
    sat_a = [1] * 10 + [0] * 3
    both = pd.concat([stream("A", sat_a), stream("B", [1] * 13)])
    out = cusum_alerts(both, p0=0.10, rate=50, max_delay_days=1e9).set_index("unit")
    assert out.loc["A", "signalled"] and not out.loc["B", "signalled"]
    assert out.loc["A", "signal_start"] == pd.Timestamp("2026-01-11")
    # at 50 responses a year a 10-point drop takes ~172 days to see: not charted by default
    small = cusum_alerts(both, p0=0.10, rate=50).set_index("unit")
    assert not small["charted"].any() and not small["signalled"].any()
    assert small["score"].isna().all()


def test_p0_per_group_must_cover_every_group() -> None:
    with pytest.raises(ValueError, match="p0 has no value"):
        cusum_alerts(stream("A", [1, 0]), p0={"B": 0.1}, rate=1000)


def test_unit_and_field_charts_share_one_budget_per_unit() -> None:
    rng = np.random.default_rng(3)
    days = 365
    rows = []
    for unit, field, n in [("A", "land", 3000), ("A", "civil", 1500), ("A", "rare", 40),
                           ("B", "land", 150)]:
        rows.append(pd.DataFrame({
            "unit": unit, "field": field, "satisfied": (rng.random(n) >= 0.17).astype(int),
            "submitted_at": pd.Timestamp("2026-01-01")
            + pd.to_timedelta(np.sort(rng.random(n)) * days, unit="D")}))
    out = unit_alerts(pd.concat(rows, ignore_index=True), p0=0.17)
    a = out[out["unit"] == "A"]
    # A: the unit-wide chart and its two busy fields; the rare field is not charted
    assert sorted(a["field"].fillna("*")) == ["*", "civil", "land"]
    assert (a["years"] == 6.0).all() and a["charted"].all()
    b = out[out["unit"] == "B"]
    assert b["field"].isna().all() and not b["charted"].any()
    # the unit's charts together: at most one false alarm in two years (renewal rate)
    assert (a["rate"] / a["arl0"]).sum() <= 0.5


def test_stream_from_the_overall_question() -> None:
    overall = pd.DataFrame({"response_id": ["r1", "r2", "r3", "r4"],
                            "value": [5.0, 3.0, np.nan, 4.0]})
    resp = pd.DataFrame({"response_id": ["r1", "r2", "r3", "r4", "r5"], "unit": "A",
                         "submitted_at": pd.date_range("2026-01-01", periods=5)})
    out = responses_from_overall(overall, resp)
    assert out["response_id"].tolist() == ["r1", "r2", "r4"]  # no answer: left out
    assert out["satisfied"].tolist() == [1, 0, 1]


def naive_chart(dissatisfied: list[int], up: int, down: int, h: int) -> tuple[int, int, int, int]:
    """The textbook loop: (signals, start of the last signal, its position, score now)."""
    s, signals, start, at, last_zero = 0, 0, -1, -1, -1
    for i, d in enumerate(dissatisfied):
        s = max(0, s + (up if d else -down))
        if s == 0:
            last_zero = i
        if s >= h:
            signals, start, at, s, last_zero = signals + 1, last_zero + 1, i, 0, i
    return signals, start, at, s


def test_vectorised_chart_equals_the_textbook_loop() -> None:
    rng = np.random.default_rng(11)
    sizes = [0, 1, 7, 300, 1000, 50]
    group = np.repeat(np.arange(len(sizes)), sizes)
    dis = (rng.random(group.size) < 0.3).astype(int)
    up, down, h = np.array([3, 5, 2, 7, 4, 9]), np.array([1, 2, 1, 3, 1, 4]), np.array([6, 12, 5, 20, 9, 9])
    out = run_cusum(dis, group, up, down, h)
    offset = np.concatenate([[0], np.cumsum(sizes)])
    for g in range(len(sizes)):
        signals, start, at, score = naive_chart(dis[offset[g]:offset[g + 1]].tolist(), up[g], down[g], h[g])
        row = out.iloc[g]
        assert row["signals"] == signals and row["score"] == score
        if signals:
            assert row["start_pos"] - offset[g] == start and row["signal_pos"] - offset[g] == at
    assert out["signals"].sum() > 20  # many restarts exercised
