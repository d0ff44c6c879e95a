"""Bernoulli CUSUM alerts with a known false-alarm rate (issue 17 item 4).

One binary outcome per response, so that answers clustered in a respondent count once:
yₜ = 1 when response t is satisfied (e.g. the overall question, or all its answers).
In control the satisfied rate is p₀; the chart looks for a drop to p₁ = p₀ − drop.
Each response adds its log-likelihood ratio, yₜ·ln(p₁/p₀) + (1 − yₜ)·ln((1−p₁)/(1−p₀)),
Sₜ = max(0, Sₜ₋₁ + Wₜ), and the chart signals when Sₜ ≥ h (Reynolds & Stoumbos 1999,
J. Quality Technology 31:87–108; Steiner et al. 2000).

The weights are rounded to integer multiples of a step δ (``resolution`` steps for a
dissatisfied response), so the chart that runs is exactly a Markov chain on the
integers 0..H−1; its average run lengths (in responses) are then exact: ARL = first
entry of (I − Q)⁻¹·1 (Brook & Evans 1972). H is the smallest integer whose in-control
ARL reaches the design (e.g. the responses a unit gets in two years: at most one false
alarm per unit every two years on average).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

__all__ = ["CusumDesign", "run_length", "design_cusum", "cusum_signal"]


@dataclass(frozen=True)
class CusumDesign:
    p0: float  # in-control satisfied rate
    p1: float  # the rate to detect
    up: int  # steps added by a dissatisfied response
    down: int  # steps removed by a satisfied one (positive)
    threshold: int  # H: signal when S ≥ H steps
    step: float  # δ, the log-likelihood of one step
    arl0: float  # in-control average run length (responses), exact for this chart
    arl1: float  # at p1: the expected responses to a signal, from S = 0


def run_length(p: float, up: int, down: int, threshold: int) -> float:
    """Average run length from S = 0 of the integer chart at satisfied rate ``p``."""
    h = int(threshold)
    if h <= up:
        return 1.0 / (1 - p)
    idx = np.arange(h)
    q = np.zeros((h, h))
    q[idx, np.maximum(idx - down, 0)] += p  # satisfied: down, floored at 0
    stay = idx + up < h
    q[idx[stay], idx[stay] + up] += 1 - p  # dissatisfied: up, or a signal
    return float(np.linalg.solve(np.eye(h) - q, np.ones(h))[0])


def design_cusum(p0: float, arl0: float, drop: float = 0.10, resolution: int = 50
                 ) -> CusumDesign:
    """The chart for a drop of ``drop`` from ``p0`` with in-control ARL ≥ ``arl0``
    responses (the smallest such threshold)."""
    if not 0 < p0 - drop < p0 < 1:
        raise ValueError("need 0 < p0 − drop < p0 < 1")
    p1 = p0 - drop
    w_up, w_down = np.log((1 - p1) / (1 - p0)), -np.log(p1 / p0)
    step = w_up / resolution
    up, down = resolution, max(1, round(w_down / step))
    lo, hi = up, up * 2
    while run_length(p0, up, down, hi) < arl0:
        lo, hi = hi, hi * 2
    while hi - lo > 1:
        mid = (lo + hi) // 2
        lo, hi = (mid, hi) if run_length(p0, up, down, mid) < arl0 else (lo, mid)
    return CusumDesign(p0, p1, up, down, hi, float(step), run_length(p0, up, down, hi),
                       run_length(p1, up, down, hi))


def cusum_signal(y: np.ndarray, design: CusumDesign) -> tuple[int | None, int | None]:
    """``(signal, start)``: the index of the first response at which the chart signals,
    and the index just after S last stood at 0 before it (the estimated start of the
    drop, to date the alert); ``(None, None)`` without a signal."""
    s, start = 0, 0
    for t, yt in enumerate(np.asarray(y, dtype=float)):
        s = max(0, s - design.down) if yt >= 1 else s + design.up
        if s == 0:
            start = t + 1
        if s >= design.threshold:
            return t, start
    return None, None
