"""Funnel plot (Spiegelhalter 2005): each unit's index against its effective number of
respondents, with 95% and 99.8% control limits around the target (analysis.funnel)."""

from __future__ import annotations

import numpy as np
import pandas as pd
from matplotlib.figure import Figure
from matplotlib.ticker import FuncFormatter, NullFormatter

from analysis.figures.style import OKABE_ITO, new_figure, percent_axis, style, text, wrap
from analysis.formatting import target_percent
from analysis.funnel import funnel_limits

__all__ = ["funnel_plot"]


def funnel_plot(rows: pd.DataFrame, fit: dict, label: str = "unit", title: str | None = None,
                locale: str = "vi") -> Figure:
    """Scatter of :func:`analysis.funnel.funnel_table` rows: x = ``n_eff``, y =
    ``estimate``; the target line and the 95% (dashed) and 99.8% (solid) limits as
    curves; units outside the 99.8% limits are named. A note under the plot says how
    overdispersion was handled and its estimate (``fit``)."""
    target = float(fit["target"])
    x = rows["n_eff"].to_numpy(dtype=float)
    y = rows["estimate"].to_numpy(dtype=float)
    with style():
        fig = new_figure(7.2, 5.0)
        ax = fig.subplots()
        grid = np.geomspace(max(1.0, np.nanmin(x) * 0.8), np.nanmax(x) * 1.2, 200)
        for level, dash in ((0.95, "--"), (0.998, "-")):
            lo, hi = funnel_limits(target, grid, level, fit["scale"], fit["tau2"])
            lab = text("funnel_limit", locale, level=f"{level * 100:g}".replace(
                ".", "," if locale == "vi" else "."))
            ax.plot(grid, lo, dash, color="#777777", linewidth=1, label=lab)
            ax.plot(grid, hi, dash, color="#777777", linewidth=1)
        ax.axhline(target, color=OKABE_ITO["vermillion"], linewidth=1.2,
                   label=text("target", locale, value=target_percent(target, locale)))
        far = (rows["outside_998"] != "").to_numpy()
        ax.scatter(x[~far], y[~far], s=22, color=OKABE_ITO["blue"], zorder=3)
        ax.scatter(x[far], y[far], s=30, color=OKABE_ITO["vermillion"], zorder=3)
        for xi, yi, name in zip(x[far], y[far], rows.loc[far, label].astype(str), strict=True):
            ax.annotate(wrap(name, 24), (xi, yi), xytext=(4, 4), textcoords="offset points",
                        fontsize=8)
        ax.set_xscale("log")
        ax.xaxis.set_major_formatter(FuncFormatter(lambda v, _pos: f"{v:g}"))
        ax.xaxis.set_minor_formatter(NullFormatter())
        percent_axis(ax.yaxis, locale)
        ax.set_xlabel(text("funnel_x", locale))
        ax.set_ylabel(text("index", locale))
        ax.set_title(title or text("funnel_title", locale), loc="left")
        ax.legend(loc="lower right", frameon=False, fontsize=8)
        ax.grid(color="#EEEEEE", linewidth=0.6)
        sep = "," if locale == "vi" else "."  # the decimal mark of the locale
        num = lambda v, d: f"{v:.{d}f}".replace(".", sep)  # noqa: E731
        note = {"none": text("funnel_none", locale),
                "multiplicative": text("funnel_mult", locale, phi=num(fit["phi"], 2),
                                       scale=num(fit["scale"], 2)),
                "additive": text("funnel_add", locale, tau=num(np.sqrt(fit["tau2"]), 3))}
        # supxlabel: the layout keeps room for it under the axis label
        fig.supxlabel(wrap(note[fit["overdispersion"]], 120), fontsize=8, color="#444444",
                      x=0.01, ha="left")
    return fig
