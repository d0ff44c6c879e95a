"""Stacked answer-distribution bars per item: 1–5 and "không áp dụng"."""

from __future__ import annotations

from collections.abc import Mapping

import numpy as np
import pandas as pd
from matplotlib.figure import Figure

from analysis.figures.style import (
    ANSWER_COLOURS,
    new_figure,
    percent,
    percent_axis,
    style,
    text,
    wrap,
)

__all__ = ["answer_shares", "distribution_plot"]


def answer_shares(answers: pd.DataFrame) -> pd.DataFrame:
    """Per item (instrument order): share of rows answering 1, 2, 3, 4, 5 and n/a
    (empty value); columns ``element, item, 1..5, na, n``."""
    v = answers["value"].to_numpy(dtype=float)
    cat = np.where(np.isfinite(v), np.nan_to_num(v, nan=0).astype(int), 6)
    d = pd.DataFrame({"item": answers["item"].to_numpy(), "c": cat})
    counts = pd.crosstab(d["item"], d["c"]).reindex(columns=range(1, 7), fill_value=0)
    order = list(dict.fromkeys(answers["item"]))
    counts = counts.reindex(order)
    n = counts.sum(axis=1)
    shares = counts.div(n, axis=0)
    shares.columns = ["1", "2", "3", "4", "5", "na"]
    el = answers.drop_duplicates("item").set_index("item")["element"].reindex(order)
    return shares.assign(n=n, element=el).reset_index()


def distribution_plot(answers: pd.DataFrame, names: Mapping[str, str] | None = None,
                      title: str | None = None, locale: str = "vi",
                      label_width: int = 40) -> Figure:
    """Horizontal 100% bars, one per item in instrument order (first item on top),
    segments 1 → 5 then n/a; segments of ≥ 6% carry their percentage. ``names`` maps
    item codes to display labels."""
    sh = answer_shares(answers)
    keys = ["1", "2", "3", "4", "5", "na"]
    legend = [text(k, locale) for k in ("a1", "a2", "a3", "a4", "a5", "na")]
    y = np.arange(len(sh))[::-1]
    with style():
        fig = new_figure(7.2, 1.6 + 0.42 * len(sh))
        ax = fig.add_subplot()
        left = np.zeros(len(sh))
        for k, lab, c in zip(keys, legend, ANSWER_COLOURS, strict=True):
            w = sh[k].to_numpy()
            ax.barh(y, w, left=left, color=c, label=lab, edgecolor="white", linewidth=0.5,
                    height=0.72)
            for yi, li, wi in zip(y, left, w, strict=True):
                if wi >= 0.06:
                    dark = c in ("#D55E00", "#0072B2")
                    ax.text(li + wi / 2, yi, percent(wi, locale, 0), ha="center", va="center",
                            fontsize=7.5, color="white" if dark else "black")
            left += w
        labels = [wrap((names or {}).get(i, i), label_width) for i in sh["item"]]
        ax.set_yticks(y, [f"{lab} ({text('n', locale)}={n})"
                          for lab, n in zip(labels, sh["n"], strict=True)])
        ax.set_xlim(0, 1)
        percent_axis(ax.xaxis, locale)
        ax.set_xlabel(text("share", locale))
        ax.set_title(title or text("dist_title", locale), loc="left")
        ax.spines["left"].set_visible(False)
        ax.tick_params(axis="y", length=0)
        fig.legend(loc="outside lower center", ncol=3, frameon=False)
    return fig
