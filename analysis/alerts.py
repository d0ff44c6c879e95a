"""Alerts with a known false-alarm rate: a Bernoulli CUSUM per unit (and unit × field).

Each response is one Bernoulli trial, "dissatisfied" = 1. In control a response is
dissatisfied with probability p0; after a drop of ``shift`` (10 points) in satisfaction,
with p1 = p0 + shift. The chart adds the log-likelihood ratio of each response and
resets at 0 (Page 1954; the Bernoulli form of Reynolds & Stoumbos 1999, J Qual Technol
31:87, and 2000, IIE Trans 32:515; Steiner, Cook, Farewell & Treasure 2000,
Biostatistics 1:441):

    S_0 = 0,  S_n = max(0, S_{n-1} + W_n),
    W_n = log(p1/p0) if response n is dissatisfied, log((1-p1)/(1-p0)) if satisfied,

and signals when S_n ≥ h. The weights are put on an integer lattice (the satisfied step
is ``-RESOLUTION`` units, the dissatisfied step the nearest integer to its ratio): the
chart that runs IS the discretised chart, so the Markov-chain ARL of Brook & Evans
(1972, Biometrika 59:539) is exact for it, not an approximation, and the running score
is exact integer arithmetic.

Design: h is the smallest threshold whose in-control average run length (ARL0, in
responses, from a score of 0) is at least the responses the unit is expected to receive
in ``years`` (2) years. So a unit in control raises a false alarm at most once every two
years on average, whatever its volume (renewal argument: alarms per year =
rate / ARL0 ≤ 1 / years). ARL1 is the mean delay (responses, and days at the unit's
rate) to detect the drop, from a score of 0.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from functools import lru_cache

import numpy as np
import pandas as pd

__all__ = ["RESOLUTION", "CusumDesign", "arl", "cusum_alerts", "design_cusum",
           "responses_from_overall", "run_cusum", "simulate_run_lengths", "unit_alerts"]

#: Lattice units in one satisfied step; the dissatisfied step is rounded to this scale
#: (relative error of the weight ratio ≤ 0.5 / (RESOLUTION · ratio)).
RESOLUTION = 10
DAYS_PER_YEAR = 365.25


@dataclass(frozen=True)
class CusumDesign:
    """A designed chart. ``up``/``down`` are the lattice steps (dissatisfied: +up,
    satisfied: −down), ``h_units`` the threshold on the lattice; ``h`` = the threshold on
    the log-likelihood scale; ``arl0``/``arl1`` in responses; ``rate`` responses/year."""

    p0: float
    p1: float
    rate: float
    up: int
    down: int
    h_units: int
    arl0: float
    arl1: float

    @property
    def h(self) -> float:
        return self.h_units * self.unit

    @property
    def unit(self) -> float:
        """Log-likelihood value of one lattice unit (the satisfied weight / ``down``)."""
        return -np.log((1 - self.p1) / (1 - self.p0)) / self.down

    @property
    def arl1_days(self) -> float:
        return self.arl1 / self.rate * DAYS_PER_YEAR if self.rate > 0 else np.inf


def lattice_steps(p0: float, p1: float, resolution: int = RESOLUTION) -> tuple[int, int]:
    """Integer steps (up for a dissatisfied response, down for a satisfied one) whose
    ratio is the log-likelihood ratio weights' ratio log(p1/p0) / −log((1−p1)/(1−p0))."""
    if not 0 < p0 < p1 < 1:
        raise ValueError(f"need 0 < p0 < p1 < 1, got p0={p0}, p1={p1}")
    ratio = np.log(p1 / p0) / -np.log((1 - p1) / (1 - p0))
    up = max(1, round(ratio * resolution))
    g = math.gcd(up, resolution)  # a common factor only makes ARL flat between lattice points
    return up // g, resolution // g


@lru_cache(maxsize=65536)
def arl(p: float, up: int, down: int, h_units: int) -> float:
    """Zero-state average run length (responses until S ≥ h, starting at S = 0) of the
    integer-lattice CUSUM when each response is dissatisfied with probability ``p``.

    Brook & Evans (1972): transient states 0 … h−1, Q[i, i+up] = p (absorbed when
    i+up ≥ h), Q[i, max(0, i−down)] += 1−p; ARL = ((I − Q)^-1 · 1)[0]. Exact on the
    lattice. I − Q is banded (down below, up above the diagonal).
    """
    if h_units <= 0:
        return 1.0
    from scipy.linalg import solve_banded  # banded LU: O(h·(up+down)²), no threads

    n = h_units
    i = np.arange(n)
    ab = np.zeros((up + down + 1, n))  # ab[up + r − c, c] = (I − Q)[r, c]
    ab[up, :] = 1.0
    ok = i + up < n
    ab[0, (i + up)[ok]] -= p
    col = np.maximum(0, i - down)
    np.add.at(ab, (up + i - col, col), -(1 - p))
    return float(solve_banded((down, up), ab, np.ones(n))[0])


@lru_cache(maxsize=4096)
def design_cusum(p0: float, rate: float, shift: float = 0.10, years: float = 2.0,
                 resolution: int = RESOLUTION) -> CusumDesign:
    """The chart for in-control dissatisfaction ``p0`` at ``rate`` responses per year:
    the smallest lattice threshold with ARL0 ≥ rate · years (ARL0 grows with h: a
    doubling bracket, then bisection), and its ARL1 for p1 = p0 + shift."""
    p1 = p0 + shift
    up, down = lattice_steps(p0, p1, resolution)
    need = max(rate * years, 1.0)
    hi = up
    while arl(p0, up, down, hi) < need:
        hi *= 2
    lo = 0  # an h of 0 signals at once
    while hi - lo > 1:  # bisection: ARL0 is a non-decreasing step function of h
        mid = (lo + hi) // 2
        if arl(p0, up, down, mid) >= need:
            hi = mid
        else:
            lo = mid
    return CusumDesign(p0, p1, rate, up, down, hi, arl(p0, up, down, hi),
                       arl(p1, up, down, hi))


def run_cusum(dissatisfied: np.ndarray, group: np.ndarray, up: np.ndarray, down: np.ndarray,
              h_units: np.ndarray) -> pd.DataFrame:
    """Run one chart per group over time-ordered responses, vectorised across groups.

    ``dissatisfied`` (0/1) and ``group`` (integer codes 0 … G−1, rows sorted by group,
    then time); ``up``/``down``/``h_units`` per group. Without a signal the reset CUSUM
    is S_n = C_n − min(0, min_{k≤n} C_k), C the running sum of steps (Lindley), so each
    pass is a grouped cumsum/cummin; after a signal the chart restarts at 0 on the next
    response, one pass per signal.

    Returns one row per group: ``signals`` (count), ``start_pos``/``signal_pos`` of the
    last signal (row positions: the first response after the score was last at 0, and
    the response that crossed h; −1 if none), ``score`` (lattice units, now).
    """
    n_groups = len(up)
    steps = np.where(dissatisfied.astype(bool), up[group], -down[group]).astype(np.int64)
    signals = np.zeros(n_groups, dtype=np.int64)
    start_pos = np.full(n_groups, -1, dtype=np.int64)
    signal_pos = np.full(n_groups, -1, dtype=np.int64)
    score = np.zeros(n_groups, dtype=np.int64)
    pos = np.arange(len(steps))
    live = np.ones(len(steps), dtype=bool)
    while live.any():
        p, g, st = pos[live], group[live], steps[live]
        c = pd.Series(st).groupby(g).cumsum().to_numpy()
        floor = np.minimum(0, pd.Series(c).groupby(g).cummin().to_numpy())
        s = c - floor
        hit = s >= h_units[g]
        first = pd.Series(np.flatnonzero(hit)).groupby(g[hit]).first()
        last_row = pd.Series(np.arange(len(g))).groupby(g).last()
        score[last_row.index] = s[last_row.to_numpy()]
        if first.empty:
            break
        hit_groups = first.index.to_numpy()
        rows = first.to_numpy()
        # start: the first response after the score was last at 0 before the crossing
        # (Page's change-point estimate); the chart began this pass at 0.
        idx = np.arange(len(g))
        last_zero = pd.Series(np.where(s == 0, idx, -1)).groupby(g).cummax().to_numpy()
        group_first = pd.Series(idx).groupby(g).transform("first").to_numpy()
        starts = np.where(last_zero[rows] >= 0, last_zero[rows] + 1, group_first[rows])
        signals[hit_groups] += 1
        signal_pos[hit_groups] = p[rows]
        start_pos[hit_groups] = p[starts]
        score[hit_groups] = 0
        # signalled groups restart after their signal; the other groups are done
        cut = np.full(n_groups, len(steps), dtype=np.int64)
        cut[hit_groups] = p[rows]
        live = pos > cut[group]
    return pd.DataFrame({"signals": signals, "start_pos": start_pos,
                         "signal_pos": signal_pos, "score": score})



def responses_from_overall(overall: pd.DataFrame, responses: pd.DataFrame) -> pd.DataFrame:
    """The chart's input from the overall question: ``responses`` (``response_id``,
    ``unit``, optional ``field``, ``submitted_at``) joined to ``overall``
    (``response_id, value`` as read by :func:`analysis.io.read_overall`); satisfied =
    value 4 or 5 (DOMAIN.md); responses without an overall answer are left out."""
    df = responses.merge(overall[["response_id", "value"]], on="response_id", how="inner")
    df = df[df["value"].notna()]
    return df.drop(columns="value").assign(satisfied=(df["value"] >= 4).astype(int))


def _per_group(value: float | Mapping | pd.Series | None, keys: pd.DataFrame,
               by: Sequence[str], name: str) -> np.ndarray:
    """A per-group parameter given as one number, or keyed by the group (a Series with
    the ``by`` columns as index, or a mapping from unit / (unit, field) tuples)."""
    if value is None or np.isscalar(value):
        return np.full(len(keys), np.nan if value is None else float(value))
    s = pd.Series(value)
    idx = pd.MultiIndex.from_frame(keys) if len(by) > 1 else pd.Index(keys[by[0]])
    out = s.reindex(idx).to_numpy(dtype=float)
    if np.isnan(out).any():
        missing = keys[np.isnan(out)].iloc[0].tolist()
        raise ValueError(f"{name} has no value for {missing}")
    return out


def cusum_alerts(responses: pd.DataFrame, p0: float | Mapping | pd.Series,
                 by: Sequence[str] = ("unit",), rate: float | Mapping | pd.Series | None = None,
                 shift: float = 0.10, years: float | Mapping | pd.Series = 2.0,
                 now: pd.Timestamp | None = None,
                 max_delay_days: float = 91.0) -> pd.DataFrame:
    """Bernoulli CUSUM alerts per group (``by`` = unit, or unit and field).

    ``responses``: one row per response with the ``by`` columns, ``submitted_at``
    (datetime) and ``satisfied`` (1/0; see :func:`responses_from_overall`). ``p0``: the
    in-control DISsatisfaction rate (1 − the reference index, e.g. last year's, or
    1 − the target), one number or per group. ``rate``: expected responses per year per
    group; default the group's own volume over its observed span (first response to
    ``now``, at least 30 days). The chart is designed per group by :func:`design_cusum`
    for at most one false alarm per ``years`` (one number or per group).

    A group is charted when the drop can be seen in time: its ARL1 is at most
    ``max_delay_days`` (a quarter) at its rate (``charted``); the others are listed with
    ``charted`` False and no signal (too few responses to detect a 10-point drop in a
    quarter without more false alarms than designed).

    Returns one row per group: ``n``, ``p0``, ``p1``, ``rate``, ``h``, ``arl0``,
    ``arl1`` (responses), ``arl1_days``, ``charted``, ``signals`` (count over the
    stream; the chart restarts at 0 after each), ``signalled`` (any), ``signal_start``
    (the first response after the score was last at 0 before the last signal: the
    estimated start of the drop), ``signal_at`` (the response that crossed h),
    ``score`` (now, on the log-likelihood scale) and ``score_over_h``.
    """
    by = list(by)
    missing = [c for c in [*by, "submitted_at", "satisfied"] if c not in responses.columns]
    if missing:
        raise ValueError(f"responses need columns {missing}")
    df = responses[[*by, "submitted_at", "satisfied"]].copy()
    df["submitted_at"] = pd.to_datetime(df["submitted_at"])
    df = df.sort_values([*by, "submitted_at"], kind="stable").reset_index(drop=True)
    codes, keys = pd.MultiIndex.from_frame(df[by]).factorize()
    keys = pd.DataFrame(list(keys), columns=by)
    n = np.bincount(codes, minlength=len(keys))
    now = df["submitted_at"].max() if now is None else pd.Timestamp(now)
    first = df.groupby(codes)["submitted_at"].min().to_numpy()
    span_years = np.maximum((now - pd.DatetimeIndex(first)).days.to_numpy(), 30) / DAYS_PER_YEAR
    p0s = _per_group(p0, keys, by, "p0")
    rates = _per_group(rate, keys, by, "rate")
    rates = np.where(np.isnan(rates), n / span_years, rates)
    yrs = _per_group(years, keys, by, "years")
    designs = [design_cusum(a, r, shift, y) for a, r, y in zip(p0s, rates, yrs, strict=True)]
    up = np.array([d.up for d in designs])
    down = np.array([d.down for d in designs])
    h_units = np.array([d.h_units for d in designs])
    charted = np.array([d.arl1_days <= max_delay_days for d in designs])
    keep = charted[codes]
    run = run_cusum(1 - df["satisfied"].to_numpy(dtype=int)[keep], codes[keep], up, down,
                    h_units)
    at = df.loc[keep, "submitted_at"].reset_index(drop=True)
    start = at.reindex(run["start_pos"]).to_numpy()  # position −1 (no signal) → NaT
    signal = at.reindex(run["signal_pos"]).to_numpy()
    units = np.array([d.unit for d in designs])
    out = keys.assign(
        n=n, p0=p0s, p1=p0s + shift, rate=rates, h=h_units * units,
        arl0=[d.arl0 for d in designs], arl1=[d.arl1 for d in designs],
        arl1_days=[d.arl1_days for d in designs], charted=charted,
        signals=run["signals"].to_numpy(), signalled=run["signals"].to_numpy() > 0,
        signal_start=start, signal_at=signal,
        score=np.where(charted, run["score"].to_numpy() * units, np.nan),
        score_over_h=np.where(charted, run["score"].to_numpy() / h_units, np.nan))
    return out.assign(years=yrs)


def unit_alerts(responses: pd.DataFrame, p0: float | Mapping | pd.Series,
                p0_field: float | Mapping | pd.Series | None = None, years: float = 2.0,
                now: pd.Timestamp | None = None, **kwargs) -> pd.DataFrame:
    """Charts per unit AND per unit × field, with ONE false-alarm budget per unit: a unit
    charted overall and in k fields runs k + 1 charts, each designed for one false alarm
    per ``years`` × (k + 1), so the unit as a whole has at most one per ``years``.

    A longer design slows detection, so k is chosen per unit: the largest k such that
    the unit's k busiest fields are all chartable (ARL1 ≤ ``max_delay_days``) at that
    budget (the condition only gets harder as k grows: start at every field and step
    down). ``p0`` per unit; ``p0_field`` per (unit, field), default the unit's. Rates
    are the streams' own. Returns :func:`cusum_alerts` rows, the unit-wide one first
    with ``field`` None, then the charted fields.
    """
    vol = responses.groupby(["unit", "field"]).size().rename("n").reset_index()
    vol = vol.sort_values(["unit", "n"], ascending=[True, False], kind="stable")
    vol["rank"] = vol.groupby("unit").cumcount() + 1  # 1 = the busiest field
    if p0_field is None:
        p0_unit = _per_group(p0, vol[["unit"]], ["unit"], "p0")
        p0_field = pd.Series(p0_unit, index=pd.MultiIndex.from_frame(vol[["unit", "field"]]))
    k = vol.groupby("unit")["rank"].max()
    while True:
        top = vol[vol["rank"] <= vol["unit"].map(k)]
        budget = years * (k + 1)
        sub = responses.merge(top[["unit", "field"]], on=["unit", "field"])
        if sub.empty:
            break
        cell_years = pd.Series(budget.reindex(top["unit"]).to_numpy(),
                               index=pd.MultiIndex.from_frame(top[["unit", "field"]]))
        fields = cusum_alerts(sub, p0_field, by=("unit", "field"), now=now, years=cell_years,
                              **kwargs)
        fail = fields.groupby("unit")["charted"].all()
        fail = fail[~fail].index
        if fail.empty:
            break
        k[fail] -= 1
    budget = years * (k + 1)
    whole = cusum_alerts(responses, p0, by=("unit",), now=now, years=budget, **kwargs)
    parts = [whole.assign(field=None)]
    if not sub.empty:
        parts.append(fields)
    return pd.concat(parts, ignore_index=True)[["unit", "field", *whole.columns[1:]]]


def simulate_run_lengths(p: float, design: CusumDesign, runs: int, rng: np.random.Generator,
                         block: int = 2048, max_len: int | None = None,
                         p_after: float | None = None, change_at: int = 0,
                         day_sd: float = 0.0, per_day: float = 1.0) -> np.ndarray:
    """Run lengths (responses until the first signal, from S = 0) of ``runs`` independent
    streams, each response dissatisfied with probability ``p``: blocks of responses
    per run, the Lindley form S_t = C_t − min(−S_0, min_{k≤t} C_k) inside a block.
    With ``p_after``, responses from number ``change_at`` + 1 on are dissatisfied with
    probability ``p_after`` (a drop after ``change_at`` in-control responses).
    With ``day_sd`` > 0 the responses come ``per_day`` a day and each day's probability
    is shifted by a N(0, day_sd) draw (clipped to [0, 1]): answers clustered in time,
    which the design does not assume (a day cut by a block boundary gets two draws).
    Runs still going at ``max_len`` are returned as ``max_len`` (censored)."""
    max_len = max_len or int(200 * design.arl0) + block
    length = np.zeros(runs, dtype=np.int64)
    s0 = np.zeros(runs, dtype=np.int64)
    active = np.arange(runs)
    done = 0
    while active.size and done < max_len:
        prob = np.full(block, p)
        if p_after is not None:
            prob[done + np.arange(block) >= change_at] = p_after
        if day_sd > 0:
            day = ((done + np.arange(block)) / per_day).astype(np.int64)
            day -= day[0]
            shock = rng.normal(0.0, day_sd, (active.size, day[-1] + 1))
            prob = np.clip(prob + shock[:, day], 0.0, 1.0)
        x = np.where(rng.random((active.size, block)) < prob, design.up, -design.down)
        c = np.cumsum(x, axis=1)
        s = c - np.minimum(-s0[active, None], np.minimum.accumulate(c, axis=1))
        hit = s >= design.h_units
        any_hit = hit.any(axis=1)
        first = hit.argmax(axis=1)
        length[active[any_hit]] = done + first[any_hit] + 1
        s0[active] = s[:, -1]
        active = active[~any_hit]
        done += block
    length[active] = max_len
    return length
