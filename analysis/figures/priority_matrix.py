"""Priority matrix: importance (x) × dissatisfaction (y), each point numbered by its
priority rank and coloured by its label (no quadrant lines: the labels follow the rank,
not the means; analysis.priority)."""

from __future__ import annotations

from collections.abc import Mapping

import pandas as pd
from matplotlib.figure import Figure
from matplotlib.lines import Line2D

from analysis.figures.style import (
    OKABE_ITO,
    new_figure,
    percent,
    percent_axis,
    style,
    text,
    wrap,
)

__all__ = ["priority_matrix"]

_QUADRANT_COLOURS = {"fix first": OKABE_ITO["vermillion"], "keep up": OKABE_ITO["blue"],
                     "secondary": OKABE_ITO["orange"], "low priority": OKABE_ITO["grey"],
                     "importance unknown": "#555555"}


def priority_matrix(table: pd.DataFrame, names: Mapping[str, str] | None = None,
                    title: str | None = None, locale: str = "vi") -> Figure:
    """Scatter of :func:`analysis.priority.priority_table` rows of one scope:
    x = ``importance``, y = ``dissatisfaction`` with its interval. Each point carries its
    priority rank and the colour of its label; the key under the plot lists rank, name
    (``names``: code → name), dissatisfaction and label, so labels never collide however
    close the points. No lines at the means: the labels are made consistent with the
    rank (a #1 is "fix first" wherever it sits), so mean lines would draw quadrants
    that disagree with them. A caption under the key says so."""
    d = table.sort_values("priority", ascending=False, kind="stable").reset_index(drop=True)
    x, yv = d["importance"].to_numpy(float), d["dissatisfaction"].to_numpy(float)
    quad = (d["quadrant"] if "quadrant" in d else pd.Series("fix first", index=d.index)
            ).to_numpy()
    with style():
        fig = new_figure(7.2, 4.6 + 0.22 * len(d))
        rows = len(d) + 2  # the key, then a two-line caption
        ax, key = fig.subplots(2, 1, height_ratios=[4.2, 0.2 + 0.22 * rows])
        colours = [_QUADRANT_COLOURS.get(q, "#000000") for q in quad]
        ax.vlines(x, d["dissatisfaction_low"], d["dissatisfaction_high"], colors=colours,
                  linewidth=1.5, zorder=2)
        ax.scatter(x, yv, s=190, c=colours, zorder=3, edgecolor="white")
        for i in range(len(d)):
            ax.text(x[i], yv[i], str(i + 1), ha="center", va="center", color="white",
                    fontsize=8, weight="bold", zorder=4)
        xpad = max(0.03, (x.max() - x.min()) * 0.15)
        ax.set_xlim(max(0.0, x.min() - xpad), x.max() + xpad)
        ylo, yhi = float(d["dissatisfaction_low"].min()), float(d["dissatisfaction_high"].max())
        ypad = max(0.01, (yhi - ylo) * 0.1)
        ax.set_ylim(max(0.0, ylo - ypad), min(1.0, yhi + ypad))
        percent_axis(ax.xaxis, locale)
        percent_axis(ax.yaxis, locale)
        ax.set_xlabel(text("importance", locale))
        ax.set_ylabel(text("dissatisfaction", locale))
        ax.grid(color="#EEEEEE", linewidth=0.6)
        ax.set_title(title or text("prio_title", locale), loc="left")
        key.axis("off")
        for i in range(len(d)):
            name = wrap((names or {}).get(d.loc[i, "index"], d.loc[i, "index"]), 60)
            name = name.replace("\n", " ")
            yk = 1 - (i + 0.5) / rows
            key.text(0.0, yk, f"{i + 1}.", color=colours[i], weight="bold", va="center",
                     fontsize=9)
            key.text(0.04, yk, name, va="center", fontsize=9)
            key.text(0.80, yk, percent(yv[i], locale), va="center", ha="right", fontsize=9)
            key.text(0.83, yk, text(quad[i], locale), va="center", fontsize=9,
                     color=colours[i])
        key.text(0.0, 1 - (len(d) + 1) / rows, wrap(text("prio_caption", locale), 110),
                 va="center", fontsize=8, color="#444444")
        handles = [Line2D([], [], marker="o", linestyle="none", color=c, label=text(q, locale))
                   for q, c in _QUADRANT_COLOURS.items() if q in set(quad)]
        ax.legend(handles=handles, loc="lower left", frameon=False, fontsize=8)
    return fig
