"""``python -m analysis indices ANSWERS.csv --out OUT.csv [options]`` (see docs/analysis.md).

Bad input ends with one line on stderr, ``error: FILE: line N: problem``, and exit
status 2; never a traceback.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence

from analysis.answers import InputError, read_answers
from analysis.engine import ELEMENT_RULES
from analysis.indices import compute_indices
from analysis.methods import METHODS
from analysis.targets import apply_targets, read_targets

OUTPUT_COLUMNS = ["level", "index", "estimate", "ci_low", "ci_high", "se", "n_respondents",
                  "n_answers", "method"]
TARGET_COLUMNS = ["target", "status", "p_value", "n_needed"]


class UsageError(Exception):
    pass


class _Parser(argparse.ArgumentParser):
    def error(self, message: str) -> None:  # one line, exit 2 (argparse's own status)
        raise UsageError(message)


def _level(text: str) -> float:
    value = float(text)
    if not 0 < value < 1:
        raise argparse.ArgumentTypeError(f"level must be in (0, 1), got {text}")
    return value


def _strata(text: str) -> str | None:
    return None if text.strip().lower() in ("", "none") else text.strip()


def build_parser() -> argparse.ArgumentParser:
    parser = _Parser(prog="python -m analysis", description="SIPAS satisfaction indices")
    sub = parser.add_subparsers(dest="command", required=True)
    p = sub.add_parser("indices", help="item/element/overall/pooled indices with intervals")
    p.add_argument("answers", help="long answers CSV (UTF-8)")
    p.add_argument("--out", required=True, help="output CSV")
    p.add_argument("--by", default="", help="comma-separated group columns")
    p.add_argument("--method", choices=METHODS, default="logit")
    p.add_argument("--level", type=_level, default=0.95)
    p.add_argument("--weights", default=None, help="weight column (constant per response)")
    p.add_argument("--strata", default="unit", type=_strata,
                   help="stratum column (constant per response); default unit: each unit "
                        "runs its own survey, so a unit's interval does not depend on the "
                        "other units in the file; 'none' for one stratum")
    p.add_argument("--element-rule", choices=ELEMENT_RULES, default="mean")
    p.add_argument("--targets", default=None, help="TARGETS.csv: scope,field,target")
    # ranking, change, below, priority, reliability, plan, figures (docs/analysis-insight.md);
    # imported here because insight_cli reuses this module's parser helpers.
    from analysis.insight_cli import add_insight_commands

    add_insight_commands(sub)
    return parser


def run_indices(args: argparse.Namespace) -> None:
    by = [c.strip() for c in args.by.split(",") if c.strip()]
    for col in by:
        if col in ("response_id", "element", "item", "value"):
            raise UsageError(f"--by {col}: groups must be columns of the response, "
                             "not of the answer")
    try:
        answers = read_answers(args.answers, by=by, weights=args.weights, strata=args.strata)
    except InputError as exc:
        raise InputError(f"{args.answers}: {exc}") from None
    targets = None
    if args.targets:
        try:
            targets = read_targets(args.targets)
        except InputError as exc:
            raise InputError(f"{args.targets}: {exc}") from None
    res = compute_indices(answers, by=by, method=args.method, level=args.level,
                          element_rule=args.element_rule)
    columns = [*by, *OUTPUT_COLUMNS]
    if targets is not None:
        res = apply_targets(res, targets, level=args.level)
        columns += TARGET_COLUMNS
    try:
        res[columns].to_csv(args.out, index=False, encoding="utf-8", lineterminator="\n")
    except OSError as exc:
        raise InputError(f"cannot write {args.out}: {exc}") from None


def main(argv: Sequence[str] | None = None) -> int:
    try:
        args = build_parser().parse_args(argv)
        if args.command == "indices":
            run_indices(args)
        else:
            args.handler(args)
        return 0
    except (InputError, UsageError) as exc:
        print(f"error: {' '.join(str(exc).split())}", file=sys.stderr)
        return 2
    except Exception as exc:  # noqa: BLE001 - the CLI contract forbids tracebacks
        print(f"error: internal error ({type(exc).__name__}): {' '.join(str(exc).split())}",
              file=sys.stderr)
        return 1
