"""Front end: read and validate the long answers table, encode it as integer codes.

The answers table has one row per answer: ``response_id, unit, field, period, element,
item, value`` (+ optional weight and stratum columns). ``value`` is 1–5, or empty for
"không áp dụng"/no answer. Validation errors are :class:`InputError` carrying the file
line number (header = line 1, first data row = line 2).
"""

from __future__ import annotations

import csv
import re
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd

__all__ = ["REQUIRED_COLUMNS", "InputError", "CodedAnswers", "read_answers", "encode_answers"]

REQUIRED_COLUMNS = ("response_id", "unit", "field", "period", "element", "item", "value")
#: Columns that must be constant within one response.
RESPONSE_LEVEL = ("unit", "field", "period")
SATISFIED_VALUES = (4, 5)


class InputError(ValueError):
    """Bad input; ``line`` is the 1-based line of the file it was found on (or None)."""

    def __init__(self, message: str, line: int | None = None) -> None:
        self.line = line
        super().__init__(f"line {line}: {message}" if line is not None else message)


@dataclass(frozen=True)
class CodedAnswers:
    """Valid answers as integer codes (the input of the two aggregation passes).

    ``groups`` row g holds the ``by`` values of group code g; ``items`` row k holds
    ``item, element`` of item code k (instrument order = first appearance). Respondents
    are those with at least one valid answer; per-respondent arrays are indexed by
    respondent code, per-answer arrays by valid answer.
    """

    by: tuple[str, ...]
    groups: pd.DataFrame
    items: pd.DataFrame
    strata: np.ndarray
    resp_group: np.ndarray
    resp_stratum: np.ndarray
    resp_weight: np.ndarray
    answer_resp: np.ndarray
    answer_item: np.ndarray
    answer_satisfied: np.ndarray

    @property
    def n_respondents(self) -> int:
        return len(self.resp_group)


def read_small_csv(path: str | Path, columns: Sequence[str], what: str) -> pd.DataFrame:
    """Read a small side file (targets, volumes, overall, expectations) as text, with the
    CLI's error contract: one :class:`InputError` naming the problem (and line 1 for a
    header problem). Header names are stripped; every column is kept."""
    try:
        df = pd.read_csv(path, dtype=str, keep_default_na=False, encoding="utf-8-sig")
    except UnicodeDecodeError:
        raise InputError(f"{what} file is not valid UTF-8") from None
    except pd.errors.EmptyDataError:
        raise InputError(f"empty {what} file: no header", 1) from None
    except (OSError, ValueError) as exc:
        raise InputError(f"cannot read {what} file: {exc}") from None
    df.columns = [c.strip() for c in df.columns]
    missing = [c for c in columns if c not in df.columns]
    if missing:
        raise InputError(f"{what} file misses column(s): {', '.join(missing)}", 1)
    return df


def _line(df: pd.DataFrame, pos: int) -> int:
    return int(df["_line"].iat[pos])


def _first_inconsistent(df: pd.DataFrame, key: str, col: str) -> None:
    """Raise if ``col`` is not constant within each ``key`` (vectorised)."""
    kcode, _ = pd.factorize(df[key], sort=False)
    ccode, _ = pd.factorize(df[col], sort=False, use_na_sentinel=False)
    first_pos = _first_positions(kcode, int(kcode.max()) + 1)
    bad = np.flatnonzero(ccode != ccode[first_pos[kcode]])
    if bad.size:
        i = int(bad[0])
        j = int(first_pos[kcode[i]])
        raise InputError(
            f"{key} {df[key].iat[i]!r} has {col} {df[col].iat[i]!r} here but "
            f"{df[col].iat[j]!r} on line {_line(df, j)}",
            _line(df, i),
        )


def _utf8_error_line(path: Path) -> int:
    with path.open("rb") as fh:
        for number, raw in enumerate(fh, start=1):
            try:
                raw.decode("utf-8")
            except UnicodeDecodeError:
                return number
    return 1


def read_answers(
    path: str | Path,
    by: Sequence[str] = (),
    weights: str | None = None,
    strata: str | None = None,
) -> pd.DataFrame:
    """Read and validate ANSWERS.csv; return it with ``value`` as float (NaN = n/a),
    a float ``weight`` column (1 if unweighted), a ``stratum`` column and ``_line``.

    Raises :class:`InputError` naming the line for every problem the CLI reports.
    """
    path = Path(path)
    try:
        df = pd.read_csv(
            path, dtype=str, keep_default_na=False, encoding="utf-8-sig",
            skip_blank_lines=False, quoting=csv.QUOTE_MINIMAL,
        )
    except UnicodeDecodeError:
        raise InputError("file is not valid UTF-8", _utf8_error_line(path)) from None
    except pd.errors.EmptyDataError:
        raise InputError("empty file: no header", 1) from None
    except pd.errors.ParserError as exc:
        m = re.search(r"line (\d+)", str(exc))
        msg = str(exc).strip().splitlines()[-1] if str(exc).strip() else "cannot parse CSV"
        raise InputError(f"malformed CSV: {msg}", int(m.group(1)) if m else None) from None
    except (OSError, ValueError) as exc:
        raise InputError(f"cannot read file: {exc}") from None
    df.columns = [c.strip() for c in df.columns]
    needed = list(REQUIRED_COLUMNS) + list(by) + [c for c in (weights, strata) if c]
    missing = [c for c in dict.fromkeys(needed) if c not in df.columns]
    if missing:
        raise InputError(f"missing column(s): {', '.join(missing)}", 1)
    df["_line"] = np.arange(2, len(df) + 2)
    blank = (df[list(REQUIRED_COLUMNS)] == "").all(axis=1)
    df = df.loc[~blank.to_numpy()].reset_index(drop=True)
    if df.empty:
        raise InputError("no answers after the header", 2)
    return validate_answers(df, by=by, weights=weights, strata=strata)


def validate_answers(
    df: pd.DataFrame,
    by: Sequence[str] = (),
    weights: str | None = None,
    strata: str | None = None,
) -> pd.DataFrame:
    """Check a string-typed answers table (as read by :func:`read_answers`)."""
    if "_line" not in df.columns:
        df = df.assign(_line=np.arange(2, len(df) + 2))
    for col in ("response_id", "unit", "field", "period", "element", "item", *by):
        empty = np.flatnonzero((df[col].astype(str).str.strip() == "").to_numpy())
        if empty.size:
            raise InputError(f"empty {col}", _line(df, int(empty[0])))
    raw = df["value"].astype(str).str.strip()
    value = pd.to_numeric(raw.where(raw != ""), errors="coerce").to_numpy(dtype=float)
    bad = np.flatnonzero(
        (raw != "").to_numpy() & ~np.isin(value, [1, 2, 3, 4, 5])
    )
    if bad.size:
        i = int(bad[0])
        raise InputError(
            f"value {raw.iat[i]!r} is not 1–5 or empty (not applicable)", _line(df, i)
        )
    out = df.assign(value=value)
    if weights:
        wraw = df[weights].astype(str).str.strip()
        w = pd.to_numeric(wraw, errors="coerce").to_numpy(dtype=float)
        badw = np.flatnonzero(~(np.isfinite(w) & (w > 0)))
        if badw.size:
            i = int(badw[0])
            raise InputError(
                f"weight {wraw.iat[i]!r} in column {weights!r} is not a positive number",
                _line(df, i),
            )
        out["weight"] = w
    else:
        out["weight"] = 1.0
    if strata:
        s = df[strata].astype(str).str.strip()
        bads = np.flatnonzero((s == "").to_numpy())
        if bads.size:
            raise InputError(f"empty stratum in column {strata!r}", _line(df, int(bads[0])))
        out["stratum"] = s
    else:
        out["stratum"] = "all"
    for col in dict.fromkeys((*RESPONSE_LEVEL, *by)):
        _first_inconsistent(out, "response_id", col)
    _first_inconsistent(out, "response_id", "weight")
    _first_inconsistent(out, "response_id", "stratum")
    _first_inconsistent(out, "item", "element")
    dup = np.flatnonzero(out.duplicated(["response_id", "item"]).to_numpy())
    if dup.size:
        i = int(dup[0])
        raise InputError(
            f"response {out['response_id'].iat[i]!r} answers item {out['item'].iat[i]!r} "
            "a second time",
            _line(out, i),
        )
    if not np.isfinite(value).any():
        raise InputError("no valid answer: every value is empty (not applicable)", 2)
    return out


def encode_answers(df: pd.DataFrame, by: Sequence[str] = ()) -> CodedAnswers:
    """Encode a validated answers table (columns ``response_id, element, item, value,
    weight, stratum`` + ``by``) as integer codes; drop not-applicable answers.

    ``value`` is numeric (NaN = not applicable). Items keep their order of first
    appearance in the whole table (the instrument order), even if never answered.
    """
    by = tuple(by)
    item_code, item_labels = pd.factorize(df["item"], sort=False)
    first = _first_positions(item_code, len(item_labels))
    items = pd.DataFrame(
        {"item": np.asarray(item_labels, dtype=object),
         "element": np.asarray(df["element"].iloc[first], dtype=object)}
    )
    value = df["value"].to_numpy(dtype=float)
    valid = np.isfinite(value)
    rows = np.flatnonzero(valid)  # codes are built on all rows, then subset: no frame copy
    rcode, _ = pd.factorize(df["response_id"], sort=False)
    rcode, _ = pd.factorize(rcode[rows], sort=False)  # respondents with a valid answer
    first_row = rows[_first_positions(rcode, int(rcode.max()) + 1)]
    if by:
        combo = np.zeros(len(first_row), dtype=np.int64)
        for col in by:
            c, u = pd.factorize(df[col].iloc[first_row], sort=False)
            combo = combo * len(u) + c
        resp_group, _ = pd.factorize(combo, sort=False)
        gfirst = first_row[_first_positions(resp_group, int(resp_group.max()) + 1)]
        groups = df[list(by)].iloc[gfirst].reset_index(drop=True)
        for col in by:  # sorted categoricals: cheap joins in the passes, sorted output
            labels = np.asarray(groups[col], dtype=object)
            groups[col] = pd.Categorical(labels, categories=sorted(set(labels), key=str))
    else:
        resp_group = np.zeros(len(first_row), dtype=np.int64)
        groups = pd.DataFrame(index=[0])
    scode, slabels = pd.factorize(df["stratum"].iloc[first_row], sort=False)
    weight = df["weight"]
    resp_weight = (np.asarray(weight.iloc[first_row], dtype=float)
                   if isinstance(weight, pd.Series) else np.full(len(first_row), 1.0))
    return CodedAnswers(
        by=by,
        groups=groups,
        items=items,
        strata=np.asarray(slabels, dtype=object),
        resp_group=resp_group.astype(np.int64),
        resp_stratum=scode.astype(np.int64),
        resp_weight=resp_weight,
        answer_resp=rcode.astype(np.int64),
        answer_item=item_code[rows].astype(np.int64),
        answer_satisfied=(value[rows] >= SATISFIED_VALUES[0]).astype(np.float64),
    )


def _first_positions(codes: np.ndarray, n: int) -> np.ndarray:
    """Position of the first occurrence of each code 0..n-1, for codes numbered in order
    of first appearance (``pd.factorize(sort=False)``): a code appears first exactly
    where it exceeds every earlier code."""
    running = np.maximum.accumulate(codes)
    new = np.empty(len(codes), dtype=bool)
    new[0] = True
    new[1:] = running[1:] > running[:-1]
    first = np.flatnonzero(new)
    assert len(first) == n
    return first
