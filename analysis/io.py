"""Readers of the CSV files the command line takes, with one error contract.

ANSWERS.csv (:func:`read_answers`), TARGETS.csv (:func:`read_targets`), VOLUMES.csv
(:func:`read_volumes`), OVERALL.csv (:func:`read_overall`), EXPECTATIONS.csv
(:func:`read_expectations`) and NAMES.csv (:func:`read_names`). Every problem is an
:class:`InputError` carrying the file line (header = line 1, first data row = line 2),
which the CLI prints as ``error: FILE: line N: problem``. Only numpy and pandas here.
"""

from __future__ import annotations

import csv
import math
import re
from collections.abc import Sequence
from pathlib import Path

import numpy as np
import pandas as pd

__all__ = [
    "REQUIRED_COLUMNS",
    "VOLUME_COLUMNS",
    "InputError",
    "read_answers",
    "read_expectations",
    "read_names",
    "read_overall",
    "read_small_csv",
    "read_targets",
    "read_volumes",
    "validate_answers",
]

REQUIRED_COLUMNS = ("response_id", "unit", "field", "period", "element", "item", "value")
#: Columns that must be constant within one response.
RESPONSE_LEVEL = ("unit", "field", "period")
#: Optional ANSWERS.csv column: 1 if the answer counts as satisfied, 0 if not (empty
#: for a not-applicable answer). Without it the rule of the instrument applies
#: (:func:`analysis.answers.add_satisfied`).
SATISFIED = "satisfied"
VOLUME_COLUMNS = ("unit", "field", "period", "received")
# A stored answer's value is 1–9 (the instruments' limit); without a satisfied column
# the answers are on the 5-point SIPAS scale.
ANY_SCALE = tuple(range(1, 10))
FIVE_POINT = (1, 2, 3, 4, 5)


class InputError(ValueError):
    """Bad input; ``line`` is the 1-based line of the file it was found on (or None)."""

    def __init__(self, message: str, line: int | None = None) -> None:
        self.line = line
        super().__init__(f"line {line}: {message}" if line is not None else message)


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


# ---------------------------------------------------------------- ANSWERS.csv


def first_positions(codes: np.ndarray, n: int) -> np.ndarray:
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


def _line(df: pd.DataFrame, pos: int) -> int:
    return int(df["_line"].iat[pos])


def _first_inconsistent(df: pd.DataFrame, key: str, col: str) -> None:
    """Raise if ``col`` is not constant within each ``key`` (vectorised)."""
    kcode, _ = pd.factorize(df[key], sort=False)
    ccode, _ = pd.factorize(df[col], sort=False, use_na_sentinel=False)
    first_pos = first_positions(kcode, int(kcode.max()) + 1)
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
    a float ``weight`` column (1 if unweighted), a ``stratum`` column and ``_line``
    (and ``satisfied`` as float 1/0/NaN when the file has that column).

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


def _satisfied(df: pd.DataFrame, value: np.ndarray) -> np.ndarray:
    """The ``satisfied`` column as 1.0/0.0, NaN for not-applicable answers."""
    raw = df[SATISFIED].astype(str).str.strip().str.lower()
    flag = raw.map({"1": 1.0, "0": 0.0, "true": 1.0, "false": 0.0}).to_numpy(dtype=float)
    valid = np.isfinite(value)
    bad = np.flatnonzero(valid & ~np.isfinite(flag))
    if bad.size:
        i = int(bad[0])
        raise InputError(f"satisfied {df[SATISFIED].iat[i]!r} is not 1 or 0 for an answered "
                         "item", _line(df, i))
    return np.where(valid, flag, np.nan)


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
    has_flag = SATISFIED in df.columns
    allowed = ANY_SCALE if has_flag else FIVE_POINT
    bad = np.flatnonzero((raw != "").to_numpy() & ~np.isin(value, allowed))
    if bad.size:
        i = int(bad[0])
        scale = "1–9" if has_flag else "1–5"
        raise InputError(
            f"value {raw.iat[i]!r} is not {scale} or empty (not applicable)", _line(df, i)
        )
    out = df.assign(value=value)
    if has_flag:
        out[SATISFIED] = _satisfied(df, value)
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


# ---------------------------------------------------------------- side files


def _parse_target(raw: str, line: int) -> float:
    text = raw.strip()
    try:
        value = float(text[:-1]) / 100 if text.endswith("%") else float(text)
    except ValueError:
        raise InputError(f"target {raw!r} is not a number", line) from None
    if not (math.isfinite(value) and 0 < value < 1):
        raise InputError(f"target {raw!r} is not a proportion in (0, 1) (write 0.9 or 90%)",
                         line)
    return value


def read_targets(path: str | Path) -> pd.DataFrame:
    """Read TARGETS.csv: ``scope,field,target``. ``scope`` is the index the target is
    for (``overall``, ``pooled``, an element or item code, or ``*``/empty for every
    index); ``field`` a field code or ``*``/empty for every field; ``target`` a
    proportion (0.9) or a percentage (90%). A (scope, field) pair may appear once."""
    df = read_small_csv(path, ("scope", "field", "target"), "targets")
    rows = []
    seen: dict[tuple[str, str], int] = {}
    for pos, (scope, field, target) in enumerate(
        zip(df["scope"], df["field"], df["target"], strict=True)
    ):
        line = pos + 2
        key = (scope.strip().replace("*", ""), field.strip().replace("*", ""))
        if key in seen:
            raise InputError(f"target for scope {key[0] or '*'!r} and field "
                             f"{key[1] or '*'!r} repeats line {seen[key]}", line)
        seen[key] = line
        rows.append((*key, _parse_target(target, line)))
    return pd.DataFrame(rows, columns=["scope", "field", "target"])


def read_volumes(path: str | Path) -> pd.DataFrame:
    """Read VOLUMES.csv ``unit,field,period,received`` (dossiers received, an integer
    ≥ 0). Errors are :class:`InputError` naming the line."""
    df = read_small_csv(path, VOLUME_COLUMNS, "volumes")
    for col in VOLUME_COLUMNS[:3]:
        empty = np.flatnonzero((df[col].str.strip() == "").to_numpy())
        if empty.size:
            raise InputError(f"empty {col}", int(empty[0]) + 2)
    raw = df["received"].str.strip()
    rec = pd.to_numeric(raw, errors="coerce").to_numpy(dtype=float)
    bad = np.flatnonzero(~(np.isfinite(rec) & (rec >= 0) & (rec == np.round(rec))))
    if bad.size:
        i = int(bad[0])
        raise InputError(f"received {raw.iat[i]!r} is not a whole number ≥ 0", i + 2)
    dup = np.flatnonzero(df.duplicated(list(VOLUME_COLUMNS[:3])).to_numpy())
    if dup.size:
        raise InputError("unit, field and period repeat an earlier line", int(dup[0]) + 2)
    out = df[list(VOLUME_COLUMNS[:3])].apply(lambda s: s.str.strip())
    out["received"] = rec.astype(np.int64)
    return out


def _read_small(path: str | Path, columns: Sequence[str], what: str) -> pd.DataFrame:
    df = read_small_csv(path, columns, what)
    return df[list(columns)].apply(lambda s: s.str.strip())


def _values(df: pd.DataFrame, allowed: Sequence[int], key: Sequence[str]) -> pd.DataFrame:
    raw = df["value"]
    v = pd.to_numeric(raw.where(raw != ""), errors="coerce").to_numpy(dtype=float)
    bad = np.flatnonzero((raw != "").to_numpy() & ~np.isin(v, allowed))
    if bad.size:
        i = int(bad[0])
        raise InputError(f"value {raw.iat[i]!r} is not one of {list(allowed)} or empty", i + 2)
    empty = np.flatnonzero((df[list(key)] == "").any(axis=1).to_numpy())
    if empty.size:
        raise InputError("empty " + "/".join(key), int(empty[0]) + 2)
    dup = np.flatnonzero(df.duplicated(list(key)).to_numpy())
    if dup.size:
        raise InputError(f"{'/'.join(key)} repeats an earlier line", int(dup[0]) + 2)
    return df.assign(value=v)


def read_overall(path: str | Path) -> pd.DataFrame:
    """OVERALL.csv ``response_id,value`` (1–5, empty = no answer), one line per response."""
    return _values(_read_small(path, ("response_id", "value"), "overall"), FIVE_POINT,
                   ("response_id",))


def read_expectations(path: str | Path) -> pd.DataFrame:
    """EXPECTATIONS.csv ``response_id,item,value`` (1 = ít, 2 = nhiều, 3 = rất nhiều)."""
    return _values(_read_small(path, ("response_id", "item", "value"), "expectations"),
                   (1, 2, 3), ("response_id", "item"))


def read_names(path: str) -> dict[str, str]:
    """NAMES.csv ``code,name``: display names of element and item codes."""
    try:
        df = pd.read_csv(path, dtype=str, keep_default_na=False, encoding="utf-8-sig")
    except (OSError, ValueError) as exc:
        raise InputError(f"{path}: cannot read names file: {exc}") from None
    if not {"code", "name"} <= set(df.columns):
        raise InputError(f"{path}: line 1: names file needs columns code,name")
    return dict(zip(df["code"].str.strip(), df["name"].str.strip(), strict=True))
