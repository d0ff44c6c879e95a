"""What every subcommand shares: the error contract, argument types, reading
ANSWERS.csv (with the satisfied rule), computing indices and writing a CSV.

Only argparse and :mod:`analysis.choices` are imported at module level, so that the
parser (and ``python -m analysis --help``) loads no statistics; each function imports
what it runs.
"""

from __future__ import annotations

import argparse
from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING

from analysis.choices import ELEMENT_RULES, METHODS

if TYPE_CHECKING:
    import pandas as pd

__all__ = ["UsageError", "add_common", "columns", "guard", "indices", "level", "proportion",
           "read", "write"]

ANSWER_COLUMNS = ("response_id", "element", "item", "value", "satisfied")


class UsageError(Exception):
    pass


class Parser(argparse.ArgumentParser):
    def error(self, message: str) -> None:  # one line, exit 2 (argparse's own status)
        raise UsageError(message)


def level(text: str) -> float:
    value = float(text)
    if not 0 < value < 1:
        raise argparse.ArgumentTypeError(f"level must be in (0, 1), got {text}")
    return value


def proportion(text: str) -> float:
    value = float(text[:-1]) / 100 if text.endswith("%") else float(text)
    if not 0 < value < 1:
        raise argparse.ArgumentTypeError(f"must be in (0, 1) or a percentage, got {text}")
    return value


def columns(text: str) -> list[str]:
    cols = [c.strip() for c in text.split(",") if c.strip()]
    for col in cols:
        if col in ANSWER_COLUMNS:
            raise UsageError(f"{col}: groups must be columns of the response, not of the answer")
    return cols


def guard(path: str, reader: Callable[[str], pd.DataFrame]) -> pd.DataFrame:
    """Run ``reader(path)``; an InputError gets the file's name in front."""
    from analysis.io import InputError

    try:
        return reader(path)
    except InputError as exc:
        raise InputError(f"{path}: {exc}") from None


def strata(text: str) -> str | None:
    """--strata: a column name, or none/empty for a single stratum."""
    return None if text.strip().lower() in ("", "none") else text.strip()


def add_instrument(p: argparse.ArgumentParser) -> None:
    p.add_argument("--instrument", default="sipas-2022",
                   help="whose rule says which answers are satisfied when ANSWERS.csv has "
                        "no satisfied column: a shipped instrument code or a .yaml file")


def read(args: argparse.Namespace, by: Sequence[str]) -> tuple[pd.DataFrame, pd.DataFrame | None]:
    """Read and validate ANSWERS.csv with the engine's reader; without a ``satisfied``
    column, apply ``--instrument``'s rule. Split off the overall question
    (``--overall-item``) so that it never counts as an element, or read ``--overall``."""
    from analysis.answers import add_satisfied
    from analysis.io import read_answers, read_overall
    from analysis.priority import overall_satisfied, split_overall

    by = list(dict.fromkeys(by))
    df = guard(args.answers, lambda p: read_answers(p, by=by, weights=args.weights,
                                                   strata=args.strata))
    instrument = getattr(args, "instrument", "sipas-2022")
    if "satisfied" not in df.columns:
        df = guard(args.answers, lambda _p: add_satisfied(df, instrument))
    overall = None
    if getattr(args, "overall_item", None):
        df, overall = guard(args.answers, lambda _p: split_overall(df, args.overall_item))
    if getattr(args, "overall", None):
        overall = guard(args.overall, read_overall)
        overall = guard(args.overall, lambda _p: overall_satisfied(overall, instrument))
    return df, overall


def indices(args: argparse.Namespace, df: pd.DataFrame, by: Sequence[str]) -> pd.DataFrame:
    from analysis.indices import compute_indices

    return compute_indices(df, by=list(dict.fromkeys(by)), method=args.method,
                           level=args.level, element_rule=args.element_rule)


def write(table: pd.DataFrame, path: str) -> None:
    from analysis.io import InputError

    try:
        table.to_csv(path, index=False, encoding="utf-8", lineterminator="\n")
    except OSError as exc:
        raise InputError(f"cannot write {path}: {exc}") from None


def add_common(p: argparse.ArgumentParser, out: bool = True) -> None:
    p.add_argument("answers", help="long answers CSV (UTF-8), as for 'indices'")
    if out:
        p.add_argument("--out", required=True, help="output CSV")
    p.add_argument("--method", choices=METHODS, default="logit")
    p.add_argument("--level", type=level, default=0.95)
    p.add_argument("--weights", default=None)
    p.add_argument("--strata", default="unit", type=strata)  # as for indices; none = one
    p.add_argument("--element-rule", choices=ELEMENT_RULES, default="mean")
    p.add_argument("--overall-item", default=None,
                   help="item code of the overall-satisfaction question (split off)")
    add_instrument(p)
