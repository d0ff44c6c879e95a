"""Insight commands of ``python -m analysis``: ranking, change, below, priority,
reliability, plan and figures (docs/analysis-insight.md). Bad input → one stderr line
``error: FILE: line N: problem`` and exit 2, as for ``indices``.
"""

from __future__ import annotations

import argparse

from analysis.choices import ADJUSTMENTS, OVERDISPERSION
from analysis.cli.common import (
    UsageError,
    add_common,
    columns,
    guard,
    indices,
    proportion,
    read,
    write,
)

__all__ = ["add_insight_commands"]


def run_ranking(args: argparse.Namespace) -> None:
    from analysis.ranking import rank_units

    within = columns(args.within)
    df, _ = read(args, [*within, args.unit])
    res = indices(args, df, [*within, args.unit])
    table = rank_units(res, unit=args.unit, within=within, level_name=args.index_level,
                       index=args.index, min_respondents=args.min_respondents,
                       target=args.target, n_sim=args.n_sim, seed=args.seed, level=args.level)
    write(table, args.out)


def run_change(args: argparse.Namespace) -> None:
    from analysis.change import compare_periods, trend_series

    by = columns(args.by)
    df, _ = read(args, [*by, args.period_column])
    res = indices(args, df, [*by, args.period_column])
    table = compare_periods(res, args.before, args.after, by=by, period=args.period_column,
                            method=args.change_method, adjust=args.adjust, level=args.level,
                            answers=df, element_rule=args.element_rule)
    write(table, args.out)
    if args.trend_out:
        write(trend_series(res, by=by, period=args.period_column), args.trend_out)


def run_below(args: argparse.Namespace) -> None:
    from analysis.io import read_targets
    from analysis.multiple import flag_below_target
    from analysis.status import NO_TARGET
    from analysis.targets import apply_targets

    by = columns(args.by)
    df, _ = read(args, by)
    res = indices(args, df, by)
    targets = guard(args.targets, read_targets)
    res = apply_targets(res, targets, level=args.level)
    res = res[res["status"] != NO_TARGET]
    if args.index_level != "all":
        res = res[res["level"] == args.index_level]
    write(flag_below_target(res, method=args.adjust, alpha=args.alpha, level=args.level),
          args.out)


def run_priority(args: argparse.Namespace) -> None:
    from analysis.io import read_expectations
    from analysis.priority import priority_table

    by = columns(args.by)
    if not (args.overall_item or args.overall):
        raise UsageError("priority needs --overall-item CODE or --overall OVERALL.csv")
    df, overall = read(args, [*by, args.cluster])
    exp = guard(args.expectations, read_expectations) if args.expectations else None
    table = priority_table(df, overall, exp, by=by, level_name=args.index_level,
                           cluster=args.cluster, min_clusters=args.min_clusters,
                           method=args.method, level=args.level)
    write(table, args.out)


def run_reliability(args: argparse.Namespace) -> None:
    from analysis.reliability import reliability_table

    by = columns(args.by)
    df, _ = read(args, by)
    write(reliability_table(df, by=by, level=args.level), args.out)


def run_plan(args: argparse.Namespace) -> None:
    from analysis.io import read_volumes
    from analysis.planning import plan_sample, response_rates

    by = columns(args.by)
    df, _ = read(args, by)
    res = indices(args, df, by)
    write(plan_sample(res, halfwidth=args.halfwidth, target=args.target,
                      expected=args.expected, level=args.level), args.out)
    if args.volumes:
        if not args.rates_out:
            raise UsageError("--volumes needs --rates-out RATES.csv")
        volumes = guard(args.volumes, read_volumes)
        write(response_rates(df, volumes, level=args.level), args.rates_out)


def add_insight_commands(sub: argparse._SubParsersAction) -> None:
    """Add ranking, change, below, priority, reliability, plan and figures to the
    subparsers of ``python -m analysis``; each sets ``handler``."""
    p = sub.add_parser("ranking", help="fair league table: shrunken estimates, rank intervals")
    add_common(p)
    p.add_argument("--unit", default="unit")
    p.add_argument("--within", default="", help="rank separately within these columns")
    p.add_argument("--index-level", default="overall", choices=("item", "element", "overall",
                                                                "pooled"))
    p.add_argument("--index", default=None, help="item/element code (default: the level)")
    p.add_argument("--min-respondents", type=int, default=30)
    p.add_argument("--target", type=proportion, default=None)
    p.add_argument("--n-sim", type=int, default=4000)
    p.add_argument("--seed", type=int, default=20250101)
    p.set_defaults(handler=run_ranking)

    p = sub.add_parser("change", help="change between two periods, adjusted p-values")
    add_common(p)
    p.add_argument("--before", required=True)
    p.add_argument("--after", required=True)
    p.add_argument("--by", default="", help="e.g. unit or field; empty = whole locality")
    p.add_argument("--period-column", default="period")
    p.add_argument("--change-method", choices=("design", "newcombe"), default="design")
    p.add_argument("--adjust", choices=tuple(ADJUSTMENTS), default="holm")
    p.add_argument("--trend-out", default=None, help="also write the trend series CSV")
    p.set_defaults(handler=run_change)

    p = sub.add_parser("below", help="indices below target, Holm/BH adjusted")
    add_common(p)
    p.add_argument("--targets", required=True, help="TARGETS.csv: scope,field,target")
    p.add_argument("--by", default="unit")
    p.add_argument("--index-level", default="overall",
                   choices=("item", "element", "overall", "pooled", "all"))
    p.add_argument("--adjust", choices=tuple(ADJUSTMENTS), default="holm")
    p.add_argument("--alpha", type=float, default=0.025, help="one-sided level")
    p.set_defaults(handler=run_below)

    p = sub.add_parser("priority", help="what to improve first")
    add_common(p)
    p.add_argument("--overall", default=None, help="OVERALL.csv: response_id,value")
    p.add_argument("--expectations", default=None, help="EXPECTATIONS.csv: response_id,item,value")
    p.add_argument("--by", default="")
    p.add_argument("--index-level", choices=("element", "item"), default="element")
    p.add_argument("--cluster", default="unit")
    p.add_argument("--min-clusters", type=int, default=10)
    p.set_defaults(handler=run_priority)

    p = sub.add_parser("reliability", help="Cronbach's alpha per element, item-rest r")
    add_common(p)
    p.add_argument("--by", default="")
    p.set_defaults(handler=run_reliability)

    p = sub.add_parser("plan", help="respondents needed next period; response rates")
    add_common(p)
    p.add_argument("--by", default="unit")
    p.add_argument("--halfwidth", type=float, default=0.05)
    p.add_argument("--target", type=proportion, default=None)
    p.add_argument("--expected", type=proportion, default=None)
    p.add_argument("--volumes", default=None, help="VOLUMES.csv: unit,field,period,received")
    p.add_argument("--rates-out", default=None)
    p.set_defaults(handler=run_plan)

    p = sub.add_parser("figures", help="report figures (PNG + SVG) into a folder")
    add_common(p, out=False)
    p.add_argument("--outdir", required=True)
    p.add_argument("--unit", default="unit")
    p.add_argument("--period-column", default="period")
    p.add_argument("--period", default=None, help="period of the forest/heat map (default: last)")
    p.add_argument("--target", type=proportion, default=None)
    p.add_argument("--overall", default=None, help="OVERALL.csv for the priority matrix")
    p.add_argument("--names", default=None, help="NAMES.csv: code,name for elements/items")
    p.add_argument("--trend-units", default="", help="comma-separated units (≤ 8) to trend")
    p.add_argument("--locale", choices=("vi", "en"), default="vi")
    p.add_argument("--overdispersion", choices=OVERDISPERSION, default="none",
                   help="funnel plot (with --target): widen the limits by a multiplicative "
                        "factor or an additive between-unit variance estimated from the units")
    p.set_defaults(handler=run_figures)



def run_figures(args: argparse.Namespace) -> None:
    from analysis.cli.figures import run_figures as run  # matplotlib: only for figures

    run(args)
