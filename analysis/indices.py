"""One-call index computation on a long answers table (the CSV path)."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd

from analysis.answers import encode_answers, with_design_defaults
from analysis.engine import LEVELS, finish, pass1_sums, pass2_sums, score_coefficients

__all__ = ["compute_indices", "sort_results"]


def compute_indices(
    answers: pd.DataFrame,
    by: Sequence[str] = (),
    method: str = "logit",
    level: float = 0.95,
    element_rule: str = "mean",
) -> pd.DataFrame:
    """Item, element, overall and pooled indices per group, with intervals.

    ``answers``: ``response_id, element, item, value`` (numeric 1–5, NaN = not
    applicable) + the ``by`` columns (constant within a response) + optional ``weight``
    (default 1) and ``stratum`` (default one stratum). Runs pass 1, the coefficients,
    pass 2 and :func:`analysis.engine.finish`; see that function for the columns.
    """
    by = list(by)
    df = with_design_defaults(answers)
    coded = encode_answers(df, by)
    item_sums, stratum_sizes = pass1_sums(coded)
    coef = score_coefficients(item_sums, coded.items, by, element_rule)
    scores = pass2_sums(coded, coef)
    out = sort_results(finish(item_sums, coef, scores, stratum_sizes, by, method, level),
                       by, coded.items)
    for col in by:  # plain labels for callers
        out[col] = np.asarray(out[col], dtype=object)
    return out


def sort_results(results: pd.DataFrame, by: Sequence[str], items: pd.DataFrame) -> pd.DataFrame:
    """Order rows by group values, then level (item, element, overall, pooled), then
    instrument order of the item or element."""
    # Ranks through the distinct values (a few dozen), not a dictionary look-up per row.
    level_code, level_names = pd.factorize(results["level"], sort=False)
    lvl = np.array([LEVELS.index(name) if name in LEVELS else np.nan
                    for name in level_names], dtype=float)[level_code]
    index_code, index_names = pd.factorize(results["index"], sort=False, use_na_sentinel=False)
    idx = np.zeros(len(results), dtype=np.int64)
    for level, codes in (("item", items["item"]),
                         ("element", pd.unique(items["element"]))):
        rank = {str(code): k for k, code in enumerate(codes)}
        mask = level_code == (level_names.get_loc(level) if level in level_names else -2)
        idx[mask] = np.array([rank.get(str(v), 0) for v in index_names],
                             dtype=np.int64)[index_code[mask]]
    keys = results.assign(_lvl=lvl, _idx=idx)
    keys = keys.sort_values([*by, "_lvl", "_idx"], kind="stable")
    return keys.drop(columns=["_lvl", "_idx"]).reset_index(drop=True)
