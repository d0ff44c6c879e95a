"""Front end of the engine: encode a validated long answers table as integer codes.

The answers table has one row per answer: ``response_id, unit, field, period, element,
item, value`` (+ optional ``satisfied``, weight and stratum columns); it is read and
validated by :func:`analysis.io.read_answers`. ``value`` is the scale value, or empty
for "không áp dụng"/no answer. Whether an answer counts as satisfied is an input
(``satisfied``); where a table has no such column, :func:`add_satisfied` applies the
rule of the instrument the answers were given on (its scales' ``satisfied`` values).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from functools import lru_cache
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd

from analysis.io import SATISFIED, InputError, first_positions

if TYPE_CHECKING:
    from instruments import Instrument

__all__ = ["CodedAnswers", "DEFAULT_INSTRUMENT", "add_satisfied", "encode_answers",
           "find_instrument"]

#: The instrument whose rule applies when neither a ``satisfied`` column nor an
#: instrument is given (the national SIPAS questionnaire: answers 4–5 are satisfied).
DEFAULT_INSTRUMENT = "sipas-2022"


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


def with_design_defaults(df: pd.DataFrame) -> pd.DataFrame:
    """The engine's input with its defaults filled in: ``weight`` 1, one ``stratum``
    ("all") and a numeric ``value`` (text that is no number counts as not applicable)."""
    if "weight" not in df.columns:
        df = df.assign(weight=1.0)
    if "stratum" not in df.columns:
        df = df.assign(stratum="all")
    if not pd.api.types.is_numeric_dtype(df["value"]):
        df = df.assign(value=pd.to_numeric(df["value"], errors="coerce"))
    return df


def encode_answers(df: pd.DataFrame, by: Sequence[str] = ()) -> CodedAnswers:
    """Encode a validated answers table (columns ``response_id, element, item, value,
    weight, stratum`` + ``by``, optionally ``satisfied``) as integer codes; drop
    not-applicable answers. Without ``satisfied``, :func:`add_satisfied` applies the
    default instrument's rule.

    ``value`` is numeric (NaN = not applicable). Items keep their order of first
    appearance in the whole table (the instrument order), even if never answered.
    """
    by = tuple(by)
    if SATISFIED not in df.columns:
        df = add_satisfied(df)
    satisfied = df[SATISFIED].to_numpy(dtype=float)
    item_code, item_labels = pd.factorize(df["item"], sort=False)
    first = first_positions(item_code, len(item_labels))
    items = pd.DataFrame(
        {"item": np.asarray(item_labels, dtype=object),
         "element": np.asarray(df["element"].iloc[first], dtype=object)}
    )
    value = df["value"].to_numpy(dtype=float)
    valid = np.isfinite(value)
    rows = np.flatnonzero(valid)  # codes are built on all rows, then subset: no frame copy
    if not ((satisfied == 0.0) | (satisfied == 1.0) | ~valid).all():
        raise ValueError("satisfied must be 1 or 0 for every answered item")
    rcode = codes_in_order(df["response_id"])
    rcode = codes_in_order(rcode[rows])  # respondents with a valid answer
    first_row = rows[first_positions(rcode, int(rcode.max()) + 1)]
    if by:
        combo = np.zeros(len(first_row), dtype=np.int64)
        for col in by:
            c, u = pd.factorize(df[col].iloc[first_row], sort=False)
            combo = combo * len(u) + c
        resp_group, _ = pd.factorize(combo, sort=False)
        gfirst = first_row[first_positions(resp_group, int(resp_group.max()) + 1)]
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
        answer_resp=rcode.astype(np.int64, copy=False),  # no second copy of an answer array
        answer_item=item_code[rows].astype(np.int64, copy=False),
        answer_satisfied=satisfied[rows].astype(np.float64, copy=False),
    )


def codes_in_order(values: pd.Series | np.ndarray) -> np.ndarray:
    """``pd.factorize(values, sort=False)[0]`` (codes in order of first appearance),
    without hashing when integer values arrive sorted, as a response-major table's
    response ids do: then a code is the number of changes before the row."""
    array = np.asarray(values)
    if array.dtype.kind in "iu" and len(array) and (array[1:] >= array[:-1]).all():
        codes = np.empty(len(array), dtype=np.int64)
        codes[0] = 0
        np.cumsum(array[1:] != array[:-1], out=codes[1:])
        return codes
    return pd.factorize(values, sort=False)[0].astype(np.int64)


def _item_codes(column: pd.Series) -> tuple[np.ndarray, list[str]]:
    """A code per row and the item name (text) of each code, for the items present. A
    categorical column is coded from its categories, not converted row by row to text."""
    if not isinstance(column.dtype, pd.CategoricalDtype):
        codes, labels = pd.factorize(column.astype(str), sort=False)
        return codes, list(labels)
    raw = column.cat.codes.to_numpy().astype(np.int64) + 1  # 0: a missing item
    names = ["nan", *(str(c) for c in column.cat.categories)]
    used = np.flatnonzero(np.bincount(raw, minlength=len(names)))
    lookup = np.full(len(names), -1, dtype=np.int64)
    lookup[used] = np.arange(len(used))
    return lookup[raw], [names[i] for i in used]


@lru_cache(maxsize=16)
def find_instrument(spec: str = DEFAULT_INSTRUMENT) -> Instrument:
    """An instrument by shipped code (``sipas-2022``, newest version; ``sipas-2022@v1``)
    or by the path of a YAML file. Raises :class:`InputError` when there is none."""
    from instruments import InstrumentError, load_instrument, shipped_instruments

    if spec.endswith((".yaml", ".yml")):
        try:
            return load_instrument(spec)
        except (OSError, InstrumentError) as exc:
            raise InputError(f"instrument {spec}: {exc}") from None
    shipped = [i for i in shipped_instruments() if spec in (i.code, i.key)]
    if not shipped:
        raise InputError(f"no shipped instrument {spec!r} (give a code such as "
                         f"{DEFAULT_INSTRUMENT} or the path of a .yaml file)")
    return max(shipped, key=lambda i: i.version)


def _rule(instrument: Instrument, item: str) -> frozenset[int] | None:
    """Satisfied values of ``item``: its own scale's if the instrument has it (also as
    ``<instrument code>:<item>``), else the one rule all the instrument's items share."""
    code = item.split(":", 1)[1] if item.startswith(f"{instrument.code}:") else item
    question = instrument.question(code)
    if question is not None and question.scale.is_satisfaction:
        return question.scale.satisfied
    rules = {q.scale.satisfied for q in instrument.items}
    return rules.pop() if len(rules) == 1 else None


def add_satisfied(answers: pd.DataFrame, instrument: Instrument | str = DEFAULT_INSTRUMENT,
                  item: str = "item") -> pd.DataFrame:
    """``answers`` with a ``satisfied`` column (1.0/0.0, NaN where ``value`` is NaN): an
    answer counts as satisfied when its value is one of the ``satisfied`` values of its
    question's scale in ``instrument`` (an :class:`instruments.Instrument`, a shipped
    code or a YAML path). Items the instrument does not have use the rule its items
    share; when they do not share one, :class:`InputError` names the item."""
    inst = find_instrument(instrument) if isinstance(instrument, str) else instrument
    codes, labels = _item_codes(answers[item])
    rules = [_rule(inst, label) for label in labels]
    for label, rule in zip(labels, rules, strict=True):
        if rule is None:
            raise InputError(f"item {label!r} is not in instrument {inst.key}, whose items "
                             "have different satisfied values: add a satisfied column")
    value = answers["value"].to_numpy(dtype=float)
    valid = np.isfinite(value)
    top = max([9, *(v for rule in rules for v in rule)])
    table = np.zeros((len(rules), top + 1), dtype=bool)  # item code × value → satisfied
    for k, rule in enumerate(rules):
        table[k, sorted(rule)] = True
    whole = np.where(valid & (value == np.round(value)), value, 0).astype(np.int64)
    hit = table[codes, np.clip(whole, 0, top)]
    return answers.assign(**{SATISFIED: np.where(np.isfinite(value), hit.astype(float),
                                                 np.nan)})
