"""Insight subcommands of ``python -m analysis``: ranking, change, below, priority,
reliability, plan, figures (see docs/analysis-insight.md).

Wiring (analysis/cli.py): in ``build_parser`` call ``add_insight_commands(sub)`` after
the ``indices`` parser; in ``main`` run ``args.handler(args)`` for any command other
than ``indices``. Until then: ``python -c 'import sys; from analysis.insight_cli import
main; sys.exit(main())' ranking ANSWERS.csv --out R.csv``. Bad input → one stderr line
``error: FILE: line N: problem`` and exit 2, as for ``indices``.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Callable, Sequence

import pandas as pd

from analysis.answers import InputError, read_answers
from analysis.change import compare_periods, trend_series
from analysis.cli import UsageError, _level, _strata
from analysis.engine import ELEMENT_RULES
from analysis.figures.cli import run_figures
from analysis.indices import compute_indices
from analysis.methods import METHODS
from analysis.multiple import ADJUSTMENTS, flag_below_target
from analysis.planning import plan_sample, read_volumes, response_rates
from analysis.priority import priority_table, read_expectations, read_overall, split_overall
from analysis.ranking import rank_units
from analysis.reliability import reliability_table
from analysis.targets import apply_targets, read_targets

__all__ = ["add_insight_commands", "main"]


def _cols(text: str) -> list[str]:
    cols = [c.strip() for c in text.split(",") if c.strip()]
    for col in cols:
        if col in ("response_id", "element", "item", "value"):
            raise UsageError(f"{col}: groups must be columns of the response, not of the answer")
    return cols


def _proportion(text: str) -> float:
    value = float(text[:-1]) / 100 if text.endswith("%") else float(text)
    if not 0 < value < 1:
        raise argparse.ArgumentTypeError(f"must be in (0, 1) or a percentage, got {text}")
    return value


def _guard(path: str, reader: Callable[[str], pd.DataFrame]) -> pd.DataFrame:
    try:
        return reader(path)
    except InputError as exc:
        raise InputError(f"{path}: {exc}") from None


def _answers(
    args: argparse.Namespace, by: Sequence[str]
) -> tuple[pd.DataFrame, pd.DataFrame | None]:
    """Read and validate ANSWERS.csv with the engine's reader; split off the overall
    question (``--overall-item``) so that it never counts as an element."""
    df = _guard(args.answers, lambda p: read_answers(p, by=list(dict.fromkeys(by)),
                                                     weights=args.weights, strata=args.strata))
    overall = None
    if getattr(args, "overall_item", None):
        df, overall = _guard(args.answers, lambda _p: split_overall(df, args.overall_item))
    if getattr(args, "overall", None):
        overall = _guard(args.overall, read_overall)
    return df, overall


def _indices(args: argparse.Namespace, df: pd.DataFrame, by: Sequence[str]) -> pd.DataFrame:
    return compute_indices(df, by=list(dict.fromkeys(by)), method=args.method, level=args.level,
                           element_rule=args.element_rule)


def _write(table: pd.DataFrame, path: str) -> None:
    try:
        table.to_csv(path, index=False, encoding="utf-8", lineterminator="\n")
    except OSError as exc:
        raise InputError(f"cannot write {path}: {exc}") from None


def _common(p: argparse.ArgumentParser, out: bool = True) -> None:
    p.add_argument("answers", help="long answers CSV (UTF-8), as for 'indices'")
    if out:
        p.add_argument("--out", required=True, help="output CSV")
    p.add_argument("--method", choices=METHODS, default="logit")
    p.add_argument("--level", type=_level, default=0.95)
    p.add_argument("--weights", default=None)
    p.add_argument("--strata", default="unit", type=_strata)  # as for indices; none = one
    p.add_argument("--element-rule", choices=ELEMENT_RULES, default="mean")
    p.add_argument("--overall-item", default=None,
                   help="item code of the overall-satisfaction question (split off)")


def run_ranking(args: argparse.Namespace) -> None:
    within = _cols(args.within)
    df, _ = _answers(args, [*within, args.unit])
    res = _indices(args, df, [*within, args.unit])
    table = rank_units(res, unit=args.unit, within=within, level_name=args.index_level,
                       index=args.index, min_respondents=args.min_respondents,
                       target=args.target, n_sim=args.n_sim, seed=args.seed, level=args.level)
    _write(table, args.out)


def run_change(args: argparse.Namespace) -> None:
    by = _cols(args.by)
    df, _ = _answers(args, [*by, args.period_column])
    res = _indices(args, df, [*by, args.period_column])
    table = compare_periods(res, args.before, args.after, by=by, period=args.period_column,
                            method=args.change_method, adjust=args.adjust, level=args.level,
                            answers=df, element_rule=args.element_rule)
    _write(table, args.out)
    if args.trend_out:
        _write(trend_series(res, by=by, period=args.period_column), args.trend_out)


def run_below(args: argparse.Namespace) -> None:
    by = _cols(args.by)
    df, _ = _answers(args, by)
    res = _indices(args, df, by)
    targets = _guard(args.targets, read_targets)
    res = apply_targets(res, targets, level=args.level)
    res = res[res["status"] != "no target"]
    if args.index_level != "all":
        res = res[res["level"] == args.index_level]
    _write(flag_below_target(res, method=args.adjust, alpha=args.alpha, level=args.level),
           args.out)


def run_priority(args: argparse.Namespace) -> None:
    by = _cols(args.by)
    if not (args.overall_item or args.overall):
        raise UsageError("priority needs --overall-item CODE or --overall OVERALL.csv")
    df, overall = _answers(args, [*by, args.cluster])
    exp = _guard(args.expectations, read_expectations) if args.expectations else None
    table = priority_table(df, overall, exp, by=by, level_name=args.index_level,
                           cluster=args.cluster, min_clusters=args.min_clusters,
                           method=args.method, level=args.level)
    _write(table, args.out)


def run_reliability(args: argparse.Namespace) -> None:
    by = _cols(args.by)
    df, _ = _answers(args, by)
    _write(reliability_table(df, by=by, level=args.level), args.out)


def run_plan(args: argparse.Namespace) -> None:
    by = _cols(args.by)
    df, _ = _answers(args, by)
    res = _indices(args, df, by)
    _write(plan_sample(res, halfwidth=args.halfwidth, target=args.target,
                       expected=args.expected, level=args.level), args.out)
    if args.volumes:
        if not args.rates_out:
            raise UsageError("--volumes needs --rates-out RATES.csv")
        volumes = _guard(args.volumes, read_volumes)
        _write(response_rates(df, volumes, level=args.level), args.rates_out)


def add_insight_commands(sub: argparse._SubParsersAction) -> None:
    """Add ranking, change, below, priority, reliability, plan and figures to the
    subparsers of ``python -m analysis``; each sets ``handler``."""
    p = sub.add_parser("ranking", help="fair league table: shrunken estimates, rank intervals")
    _common(p)
    p.add_argument("--unit", default="unit")
    p.add_argument("--within", default="", help="rank separately within these columns")
    p.add_argument("--index-level", default="overall", choices=("item", "element", "overall",
                                                                "pooled"))
    p.add_argument("--index", default=None, help="item/element code (default: the level)")
    p.add_argument("--min-respondents", type=int, default=30)
    p.add_argument("--target", type=_proportion, default=None)
    p.add_argument("--n-sim", type=int, default=4000)
    p.add_argument("--seed", type=int, default=20250101)
    p.set_defaults(handler=run_ranking)

    p = sub.add_parser("change", help="change between two periods, adjusted p-values")
    _common(p)
    p.add_argument("--before", required=True)
    p.add_argument("--after", required=True)
    p.add_argument("--by", default="", help="e.g. unit or field; empty = whole locality")
    p.add_argument("--period-column", default="period")
    p.add_argument("--change-method", choices=("design", "newcombe"), default="design")
    p.add_argument("--adjust", choices=tuple(ADJUSTMENTS), default="holm")
    p.add_argument("--trend-out", default=None, help="also write the trend series CSV")
    p.set_defaults(handler=run_change)

    p = sub.add_parser("below", help="indices below target, Holm/BH adjusted")
    _common(p)
    p.add_argument("--targets", required=True, help="TARGETS.csv: scope,field,target")
    p.add_argument("--by", default="unit")
    p.add_argument("--index-level", default="overall",
                   choices=("item", "element", "overall", "pooled", "all"))
    p.add_argument("--adjust", choices=tuple(ADJUSTMENTS), default="holm")
    p.add_argument("--alpha", type=float, default=0.025, help="one-sided level")
    p.set_defaults(handler=run_below)

    p = sub.add_parser("priority", help="what to improve first")
    _common(p)
    p.add_argument("--overall", default=None, help="OVERALL.csv: response_id,value")
    p.add_argument("--expectations", default=None, help="EXPECTATIONS.csv: response_id,item,value")
    p.add_argument("--by", default="")
    p.add_argument("--index-level", choices=("element", "item"), default="element")
    p.add_argument("--cluster", default="unit")
    p.add_argument("--min-clusters", type=int, default=10)
    p.set_defaults(handler=run_priority)

    p = sub.add_parser("reliability", help="Cronbach's alpha per element, item-rest r")
    _common(p)
    p.add_argument("--by", default="")
    p.set_defaults(handler=run_reliability)

    p = sub.add_parser("plan", help="respondents needed next period; response rates")
    _common(p)
    p.add_argument("--by", default="unit")
    p.add_argument("--halfwidth", type=float, default=0.05)
    p.add_argument("--target", type=_proportion, default=None)
    p.add_argument("--expected", type=_proportion, default=None)
    p.add_argument("--volumes", default=None, help="VOLUMES.csv: unit,field,period,received")
    p.add_argument("--rates-out", default=None)
    p.set_defaults(handler=run_plan)

    p = sub.add_parser("figures", help="report figures (PNG + SVG) into a folder")
    _common(p, out=False)
    p.add_argument("--outdir", required=True)
    p.add_argument("--unit", default="unit")
    p.add_argument("--period-column", default="period")
    p.add_argument("--period", default=None, help="period of the forest/heat map (default: last)")
    p.add_argument("--target", type=_proportion, default=None)
    p.add_argument("--overall", default=None, help="OVERALL.csv for the priority matrix")
    p.add_argument("--names", default=None, help="NAMES.csv: code,name for elements/items")
    p.add_argument("--trend-units", default="", help="comma-separated units (≤ 8) to trend")
    p.add_argument("--locale", choices=("vi", "en"), default="vi")
    p.set_defaults(handler=lambda a: run_figures(a, _answers, _indices))


def main(argv: Sequence[str] | None = None) -> int:
    """Same as `python -m analysis` (the insight commands are part of analysis.cli)."""
    from analysis.cli import main as cli_main

    return cli_main(argv)


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())

