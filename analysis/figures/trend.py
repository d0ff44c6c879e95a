"""Trend lines per group with interval bands."""

from __future__ import annotations

import numpy as np
import pandas as pd
from matplotlib.figure import Figure
from matplotlib.patches import Patch

from analysis.figures.style import (
    OKABE_ITO,
    new_figure,
    percent,
    percent_axis,
    style,
    text,
    wrap,
)
from analysis.formatting import target_percent

__all__ = ["trend_plot"]

_CYCLE = [OKABE_ITO[k] for k in ("blue", "orange", "green", "vermillion", "purple", "sky",
                                 "black", "yellow")]
_MARKERS = ["o", "s", "D", "^", "v", "P", "X", "*"]


def trend_plot(series: pd.DataFrame, group: str | None = "unit", period: str = "period",
               target: float | None = None, title: str | None = None, locale: str = "vi",
               level: float = 0.95, max_groups: int = 8) -> Figure:
    """Lines of ``estimate`` over ``period`` (in the table's order, as from
    :func:`analysis.change.trend_series`) with shaded ``ci_low``–``ci_high`` bands,
    one colour and marker per group (at most ``max_groups``: beyond 8 colours lines
    cannot be told apart — draw several figures). Labels at the line ends."""
    groups = list(dict.fromkeys(series[group])) if group else [None]
    if len(groups) > max_groups:
        raise ValueError(f"{len(groups)} groups: at most {max_groups} lines per figure")
    periods = list(dict.fromkeys(series[period].astype(str)))
    x_of = {p: i for i, p in enumerate(periods)}
    with style():
        fig = new_figure(7.2, 4.6)
        ax = fig.add_subplot()
        ends: list[tuple[float, float, str]] = []
        for k, g in enumerate(groups):
            d = series if g is None else series[series[group] == g]
            x = d[period].astype(str).map(x_of).to_numpy(dtype=float)
            c = _CYCLE[k % len(_CYCLE)]
            ax.fill_between(x, d["ci_low"], d["ci_high"], color=c, alpha=0.15, linewidth=0)
            ax.plot(x, d["estimate"], color=c, marker=_MARKERS[k % len(_MARKERS)],
                    label=wrap(g, 28) if g is not None else None, linewidth=2)
            ends.append((float(d["estimate"].iloc[-1]), x[-1], c))
        lo = float(np.nanmin(series["ci_low"]))
        ymin = max(0.0, np.floor(min(lo, target or 1) * 10) / 10)
        _end_labels(ax, ends, gap=(1.0 - ymin) * 0.035, locale=locale)
        if target is not None:
            ax.axhline(target, color="#000000", linestyle="--", linewidth=1)
            ax.annotate(text("target", locale, value=target_percent(target, locale)),
                        (len(periods) - 0.4, target), xytext=(-2, 3), textcoords="offset points",
                        fontsize=8, ha="right")
        ax.set_xticks(range(len(periods)), periods)
        ax.set_xlim(-0.3, len(periods) - 0.4)
        ax.set_ylim(ymin, 1.0)
        percent_axis(ax.yaxis, locale)
        ax.grid(axis="y", color="#DDDDDD", linewidth=0.6)
        ax.set_xlabel(text("period", locale))
        ax.set_ylabel(text("index", locale))
        ax.set_title(title or text("trend_title", locale), loc="left")
        handles, labels = ax.get_legend_handles_labels()
        handles.append(Patch(color="#000000", alpha=0.15))
        labels.append(text("band", locale, level=percent(level, locale, 0)))
        fig.legend(handles, labels, loc="outside right center", frameon=False)
    return fig


def _end_labels(ax, ends: list[tuple[float, float, str]], gap: float, locale: str) -> None:
    """Percent labels at the line ends, pushed apart vertically by at least ``gap``."""
    ends = sorted(ends)
    pos = [e[0] for e in ends]
    for i in range(1, len(pos)):
        pos[i] = max(pos[i], pos[i - 1] + gap)
    for (y, x, c), yl in zip(ends, pos, strict=True):
        ax.annotate(percent(y, locale), (x, y), xytext=(x + 0.06, yl), textcoords="data",
                    va="center", fontsize=8, color=c)
