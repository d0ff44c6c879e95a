"""Heat map unit × element of the index, annotated with percentages."""

from __future__ import annotations

from collections.abc import Mapping

import numpy as np
import pandas as pd
from matplotlib import colormaps
from matplotlib.figure import Figure

from analysis.figures.style import new_figure, percent, percent_formatter, style, text, wrap

__all__ = ["heatmap"]


def heatmap(results: pd.DataFrame, row: str = "unit", column: str = "index",
            value: str = "estimate", names: Mapping[str, str] | None = None,
            min_respondents: int = 30, title: str | None = None, locale: str = "vi",
            vmin: float | None = None) -> Figure:
    """Rows = units sorted by their mean index (best on top), columns = elements in
    instrument order (``names`` maps codes to display names). Cells of fewer than
    ``min_respondents`` respondents are hatched and their number printed in italics.
    Colour map: cividis (perceptually uniform, colour-blind safe)."""
    d = results
    wide = d.pivot_table(index=row, columns=column, values=value, aggfunc="first", sort=False)
    cols = list(dict.fromkeys(d[column]))
    wide = wide.reindex(columns=cols)
    wide = wide.loc[wide.mean(axis=1).sort_values(ascending=False).index]
    small = None
    if "n_respondents" in d:
        nn = d.pivot_table(index=row, columns=column, values="n_respondents", aggfunc="first",
                           sort=False).reindex(index=wide.index, columns=cols)
        small = (nn < min_respondents).to_numpy()
    z = wide.to_numpy(dtype=float)
    lo = vmin if vmin is not None else max(0.0, np.floor(np.nanmin(z) * 10) / 10)
    cmap = colormaps["cividis"]
    with style():
        fig = new_figure(7.2, 1.8 + 0.42 * len(wide))
        ax = fig.add_subplot()
        im = ax.imshow(np.ma.masked_invalid(z), cmap=cmap, vmin=lo, vmax=1.0, aspect="auto")
        for i in range(z.shape[0]):
            for j in range(z.shape[1]):
                if not np.isfinite(z[i, j]):
                    continue
                shade = (z[i, j] - lo) / (1.0 - lo) if lo < 1 else 1.0
                few = small is not None and small[i, j]
                ax.text(j, i, percent(z[i, j], locale), ha="center", va="center", fontsize=8,
                        color="black" if shade > 0.55 else "white",
                        style="italic" if few else "normal")
                if few:
                    ax.add_patch(_hatch(j, i))
        labels = [wrap((names or {}).get(c, c), 13) for c in cols]
        ax.set_xticks(range(len(cols)), labels, fontsize=7.5)
        ax.xaxis.tick_top()
        ax.set_yticks(range(len(wide)), [wrap(u, 30) for u in wide.index])
        ax.tick_params(length=0)
        for s in ax.spines.values():
            s.set_visible(False)
        bar = fig.colorbar(im, ax=ax, shrink=0.6, fraction=0.04, format=percent_formatter(locale))
        bar.set_label(text("index", locale))
        ax.set_title(title or text("heat_title", locale), loc="left")
        if small is not None and small.any():
            ax.set_xlabel("▨ " + text("few", locale, n=min_respondents), fontsize=8, loc="left")
    return fig


def _hatch(j: int, i: int):
    from matplotlib.patches import Rectangle

    return Rectangle((j - 0.5, i - 0.5), 1, 1, fill=False, hatch="///", edgecolor="#FFFFFF80",
                     linewidth=0)
