"""Forest plot of units: sorted estimates with intervals, target line, colour and
marker by status (met / below / inconclusive), legend in the chosen locale."""

from __future__ import annotations

import numpy as np
import pandas as pd
from matplotlib.figure import Figure
from matplotlib.lines import Line2D

from analysis.figures.style import (
    STATUS_COLOURS,
    STATUS_MARKERS,
    new_figure,
    percent,
    percent_axis,
    style,
    text,
    wrap,
)
from analysis.formatting import target_percent
from analysis.status import NO_TARGET, STATUSES, status_labels
from analysis.targets import target_status

__all__ = ["forest_plot"]


def forest_plot(table: pd.DataFrame, label: str = "unit", target: float | None = None,
                title: str | None = None, locale: str = "vi", level: float = 0.95,
                estimate: str = "estimate", low: str = "ci_low", high: str = "ci_high",
                show_values: bool = True, labels: dict[str, str] | None = None) -> Figure:
    """One row per unit (``label``), sorted by ``estimate`` (best on top), with its
    interval. Status comes from the table's ``status`` column, else from ``target``
    (met if low ≥ target, below if high < target). Works on the engine's index rows
    or on :func:`analysis.ranking.rank_units` (``estimate="shrunken"`` etc.). The legend
    names each status with ``labels`` (code → words), by default
    :data:`analysis.status.STATUS_LABELS` in ``locale``: the words of the tables."""
    labels = {**status_labels(locale), **(labels or {})}
    d = table.sort_values(estimate, ascending=True, kind="stable").reset_index(drop=True)
    if "status" in d and d["status"].notna().all():
        status = d["status"].astype(str).to_numpy()
    elif target is not None:
        status = target_status(d[low], d[high], np.full(len(d), target))
    else:
        status = np.full(len(d), NO_TARGET)
    y = np.arange(len(d))
    with style():
        fig = new_figure(7.2, 1.2 + 0.36 * len(d))
        ax = fig.add_subplot()
        for s in dict.fromkeys(status):
            m = status == s
            c = STATUS_COLOURS.get(s, "#000000")
            est = d.loc[m, estimate].to_numpy()
            ax.errorbar(est, y[m], xerr=[est - d.loc[m, low], d.loc[m, high] - est], fmt="none",
                        ecolor=c, elinewidth=2, capsize=3)
            ax.scatter(est, y[m], color=c, marker=STATUS_MARKERS.get(s, "o"), s=42, zorder=3,
                       edgecolor="white", linewidth=0.6)
        if show_values:
            for yi, e, h in zip(y, d[estimate], d[high], strict=True):
                ax.annotate(percent(e, locale), (h, yi), xytext=(4, 0),
                            textcoords="offset points", va="center", fontsize=8,
                            bbox={"boxstyle": "square,pad=0.1", "fc": "white", "ec": "none"})
        names = [wrap(v, 34) for v in d[label]]
        if "n_respondents" in d:
            names = [f"{n} ({text('n', locale)}={k})"
                     for n, k in zip(names, d["n_respondents"], strict=True)]
        ax.set_yticks(y, names)
        ax.set_ylim(-0.7, len(d) - 0.3)
        lo = float(np.nanmin(d[low])) if len(d) else 0.0
        xmin = max(0.0, np.floor(min(lo, target if target is not None else lo) * 10) / 10 - 0.05)
        ax.set_xlim(xmin, 1.0)
        percent_axis(ax.xaxis, locale)
        ax.grid(axis="x", color="#DDDDDD", linewidth=0.6)
        ax.set_axisbelow(True)
        ax.set_xlabel(text("index_axis", locale, level=percent(level, locale, 0)))
        ax.set_title(title or text("forest_title", locale), loc="left")
        handles = [Line2D([], [], color=STATUS_COLOURS[s], marker=STATUS_MARKERS[s],
                          linestyle="-", label=labels[s])
                   for s in STATUSES if s in status]
        if target is not None:
            ax.axvline(target, color="#000000", linestyle="--", linewidth=1)
            handles.append(Line2D([], [], color="#000000", linestyle="--",
                                  label=text("target", locale, value=target_percent(target, locale))))
        if handles:
            fig.legend(handles=handles, loc="outside lower center", ncol=min(len(handles), 4),
                       frameon=False)
    return fig
