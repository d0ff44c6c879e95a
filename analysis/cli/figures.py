"""``figures`` subcommand: every report figure for one ANSWERS.csv into a folder."""

from __future__ import annotations

import argparse
from pathlib import Path

import numpy as np

from analysis.change import trend_series
from analysis.cli.common import indices, read
from analysis.figures.distribution import distribution_plot
from analysis.figures.forest import forest_plot
from analysis.figures.funnel import funnel_plot
from analysis.figures.heatmap import heatmap
from analysis.figures.priority_matrix import priority_matrix
from analysis.figures.style import save_figure
from analysis.figures.trend import trend_plot
from analysis.funnel import funnel_table
from analysis.io import InputError, read_names
from analysis.priority import priority_table

__all__ = ["run_figures"]


def run_figures(args: argparse.Namespace) -> None:
    """Write forest, heatmap, trend, distribution (and priority, with overall answers;
    funnel, with a target) as PNG + SVG into ``args.outdir``."""
    out = Path(args.outdir)
    unit, per = args.unit, args.period_column
    df, overall = read(args, [unit, per])
    names = read_names(args.names) if args.names else None
    res = indices(args, df, [per, unit])
    periods = sorted(res[per].astype(str).unique())
    period = args.period or periods[-1]
    if period not in periods:
        raise InputError(f"{args.answers}: no answers in period {period!r}")
    cur = res[res[per].astype(str) == period]
    loc = args.locale
    ov = cur[cur["level"] == "overall"]
    save_figure(forest_plot(ov, label=unit, target=args.target, locale=loc), out / "forest")
    if args.target is not None:  # beside the forest plot: the comparison against the target
        rows, fit = funnel_table(ov, args.target, args.overdispersion)
        save_figure(funnel_plot(rows, fit, label=unit, locale=loc), out / "funnel")
    save_figure(heatmap(cur[cur["level"] == "element"], row=unit, names=names, locale=loc),
                out / "heatmap")
    units = [u.strip() for u in args.trend_units.split(",") if u.strip()]
    if not units:  # the 8 units with most respondents in the period
        units = list(ov.sort_values("n_respondents", ascending=False)[unit][:8])
    ts = trend_series(res[res[unit].isin(units)], by=[unit], period=per)
    save_figure(trend_plot(ts, group=unit, period=per, target=args.target, locale=loc),
                out / "trend")
    sub = df[df[per].astype(str) == period]
    save_figure(distribution_plot(sub, names=names, locale=loc), out / "distribution")
    if overall is not None:
        pt = priority_table(sub, overall, method=args.method, level=args.level, cluster=unit)
        if np.isfinite(pt["importance"]).all():
            save_figure(priority_matrix(pt, names=names, locale=loc), out / "priority")
