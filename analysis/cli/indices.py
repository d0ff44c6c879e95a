"""``python -m analysis indices ANSWERS.csv --out OUT.csv [options]`` (docs/analysis.md)."""

from __future__ import annotations

import argparse

from analysis.choices import ELEMENT_RULES, METHODS, WEIGHTINGS
from analysis.cli.common import UsageError, add_instrument, guard, level, strata, write

__all__ = ["OUTPUT_COLUMNS", "TARGET_COLUMNS", "WEIGHT_COLUMNS", "add_indices_command",
           "run_indices"]

OUTPUT_COLUMNS = ["level", "index", "estimate", "ci_low", "ci_high", "se", "n_respondents",
                  "n_answers", "method"]
TARGET_COLUMNS = ["target", "status", "p_value", "n_needed"]
WEIGHT_COLUMNS = ["weighting", "volume_covered"]


def add_indices_command(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("indices", help="item/element/overall/pooled indices with intervals")
    p.add_argument("answers", help="long answers CSV (UTF-8)")
    p.add_argument("--out", required=True, help="output CSV")
    p.add_argument("--by", default="", help="comma-separated group columns")
    p.add_argument("--method", choices=METHODS, default="logit")
    p.add_argument("--level", type=level, default=0.95)
    p.add_argument("--weights", default=None, help="weight column (constant per response)")
    p.add_argument("--strata", default="unit", type=strata,
                   help="stratum column (constant per response); default unit: each unit "
                        "runs its own survey, so a unit's interval does not depend on the "
                        "other units in the file; 'none' for one stratum")
    p.add_argument("--element-rule", choices=ELEMENT_RULES, default="mean")
    p.add_argument("--targets", default=None, help="TARGETS.csv: scope,field,target")
    p.add_argument("--volumes", default=None,
                   help="VOLUMES.csv (unit_code,field_code,period,received[,channel]): "
                        "weight each unit's respondents to its dossiers; the answers need "
                        "unit, period and field (and channel) columns")
    p.add_argument("--weighting", choices=WEIGHTINGS, default=None,
                   help="with --volumes: poststratify (default; cells = the finest volume "
                        "rows) or rake (to the field and the channel margins)")
    add_instrument(p)
    p.set_defaults(handler=run_indices)


def run_indices(args: argparse.Namespace) -> None:
    from analysis.answers import add_satisfied
    from analysis.indices import compute_indices
    from analysis.io import read_answers, read_targets
    from analysis.targets import apply_targets

    by = [c.strip() for c in args.by.split(",") if c.strip()]
    for col in by:
        if col in ("response_id", "element", "item", "value", "satisfied"):
            raise UsageError(f"--by {col}: groups must be columns of the response, "
                             "not of the answer")
    answers = guard(args.answers, lambda p: read_answers(p, by=by, weights=args.weights,
                                                        strata=args.strata))
    if "satisfied" not in answers.columns:
        answers = guard(args.answers, lambda _p: add_satisfied(answers, args.instrument))
    targets = guard(args.targets, read_targets) if args.targets else None
    columns = [*by, *OUTPUT_COLUMNS]
    if args.weighting and not args.volumes:
        raise UsageError("--weighting needs --volumes FILE")
    if args.volumes:
        res = _weighted(args, answers, by)
        columns += WEIGHT_COLUMNS
    else:
        res = compute_indices(answers, by=by, method=args.method, level=args.level,
                              element_rule=args.element_rule)
    if targets is not None:
        res = apply_targets(res, targets, level=args.level)
        columns += TARGET_COLUMNS
    write(res[columns], args.out)


def _weighted(args: argparse.Namespace, answers, by: list[str]):
    """Indices weighted to the dossier volumes (analysis.weighting). Cells with dossiers
    and no respondent go to OUT's sibling ``<stem>.empty_cells.csv`` and to stderr."""
    import sys
    from pathlib import Path

    from analysis.weighting import read_volumes, uncovered, weighted_indices

    if "unit" not in by:
        raise UsageError("--volumes: weighting is per unit; --by must include unit")
    if args.strata != "unit":
        raise UsageError("--volumes: the unit is the stratum; leave --strata at unit")
    volumes = guard(args.volumes, read_volumes)
    res, empty = weighted_indices(answers, volumes, by=by,
                                  weighting=args.weighting or "poststratify",
                                  method=args.method, level=args.level,
                                  element_rule=args.element_rule)
    left = uncovered(answers, volumes)
    for row in left.itertuples(index=False):
        print(f"unit {row.unit}, period {row.period}: no dossier volumes, its "
              f"{row.n_respondents} respondent(s) are left out of the weighted table",
              file=sys.stderr)
    out = Path(args.out)
    empty_path = out.with_name(f"{out.stem}.empty_cells.csv")
    write(empty, str(empty_path))
    if len(empty):
        print(f"{len(empty)} cell(s) with dossiers and no respondent, not represented by "
              f"the weights: {empty_path}", file=sys.stderr)
    return res
