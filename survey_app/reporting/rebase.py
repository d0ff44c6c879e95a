"""Results on the structure of a date (issue 12 item 2; docs/reporting.md "As of a date").

A report names its "as of" date (`ReportScope.as_of`): its units are the units of that
date, and every response is shown under the unit that represents its own unit then
(survey_app.services.lineage `Lineage.place`). Two steps, both here:

- **which responses a scope covers** (`covering_condition`): a scope naming today's
  units also covers every response placed on one of them: the responses of their
  predecessors, and for a split only the counters its rule gives them. The set is
  computed in Python from the lineage (a few hundred links) and handed to SQL as
  `unit IN (…)`, plus one `unit = S AND counter IN (…)` per split unit;
- **under which unit a group is shown** (`rebase_units`): the pattern query also groups
  by counter when a split needs it, and each row's unit is replaced by its placement.
  The strata stay the units that ran the survey (the design does not change when the
  units are renamed), so a merged unit's row is its predecessors' responses computed
  together, to the last bit of the direct computation on them.

Nothing is divided: a response whose counter a split's rule does not name stays on the
old unit, which keeps its own name and gets the note UNASSIGNED (`unit_notes`).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date
from functools import lru_cache

import numpy as np
import pandas as pd
import sqlalchemy as sa

from survey_app.services.lineage import ENDED, UNASSIGNED, Lineage, load_lineage

NOTES = (UNASSIGNED, ENDED)


def lineage_of(scope) -> Lineage:
    """The scope's lineage: the one its builder loaded for the request, or the database's."""
    if scope.lineage is not None:
        return scope.lineage
    from survey_app.extensions import db

    return load_lineage(db.session)


def rule_counters(lineage: Lineage) -> frozenset[int]:
    """Every counter a split's rule names (the only counters a placement depends on)."""
    return frozenset(c for out in lineage.outgoing.values() for lk in out for c in lk.counters)


def needs_counters(lineage: Lineage, as_of: date) -> bool:
    """Whether some placement on `as_of` depends on the counter (a split is in force)."""
    return any(lk.change == "split" and lk.effective <= as_of
               for out in lineage.outgoing.values() for lk in out)


@dataclass(frozen=True)
class Covered:
    """The stored (unit, counter) pairs whose responses are placed on a set of units."""

    whole: frozenset[int]  # every response of these units
    counters: tuple[tuple[int, tuple[int, ...]], ...] = ()  # (split unit, its counters)
    rest: tuple[tuple[int, tuple[int, ...]], ...] = ()  # (split unit, counters moved away)


def covered(lineage: Lineage, as_of: date, targets: Iterable[int],
            by_counter: bool = True) -> Covered:
    """The responses placed on `targets` on `as_of`. `by_counter` is False when the unit
    is not where the counter is (the deciding agency): a split then moves nothing.
    A dashboard asks for the same set a dozen times: the answer is kept per lineage."""
    return _covered(lineage, as_of, frozenset(int(t) for t in targets), by_counter)


@lru_cache(maxsize=16)  # a national lineage is a few MB; one per request
def _covered(lineage: Lineage, as_of: date, targets: frozenset[int],
             by_counter: bool) -> Covered:
    counters = rule_counters(lineage) if by_counter else frozenset()
    whole = {t for t in targets if t not in lineage.outgoing}
    parts, rest = [], []
    for unit in sorted(lineage.outgoing):
        plain = lineage.place(unit, None, as_of)
        # Only a chain that meets a split (note UNASSIGNED) can depend on the counter.
        rep = (lineage.represent(unit, counters, as_of) if plain.note == UNASSIGNED and counters
               else None)
        if rep is None or rep.whole is not None:
            if (plain if rep is None else rep.whole).unit in targets:
                whole.add(unit)
            continue
        mine = tuple(sorted(c for c, p in rep.by_counter.items() if p.unit in targets))
        if mine:
            parts.append((unit, mine))
        if rep.remainder is not None and rep.remainder.unit in targets:
            rest.append((unit, tuple(sorted(rep.by_counter))))
    return Covered(frozenset(whole), tuple(parts), tuple(rest))


def covering_condition(scope) -> sa.ColumnElement[bool]:
    """WHERE clause: the response is placed on one of `scope.unit_ids` on `scope.as_of`,
    in the scope's role. The units whose responses all land there go through the role's
    own condition (reporting.attribution, which the indexes serve); a split unit's
    counters only matter in the receiving view (a deciding agency has no counters)."""
    from survey_app.models import Response
    from survey_app.reporting.attribution import attributed_condition

    role = getattr(scope, "role", "receiving")
    found = covered(lineage_of(scope), scope.as_of, scope.unit_ids, role == "receiving")
    parts = [attributed_condition(found.whole, (role,))] if found.whole else []
    for unit, counters in found.counters:
        parts.append(sa.and_(Response.unit_id == unit, Response.counter_id.in_(counters)))
    for unit, moved in found.rest:
        parts.append(sa.and_(Response.unit_id == unit, sa.or_(Response.counter_id.is_(None),
                                                              Response.counter_id.not_in(moved))))
    return sa.or_(*parts) if parts else sa.false()


def volume_units(scope) -> tuple[int, ...] | None:
    """Units whose recorded dossier volumes count for the scope: volumes are per unit, so a
    split unit's volumes count only where the unit itself is shown (never divided)."""
    if scope.unit_ids is None or scope.as_of is None:
        return scope.unit_ids
    found = covered(lineage_of(scope), scope.as_of, scope.unit_ids, by_counter=True)
    return tuple(sorted(found.whole | {unit for unit, _ in found.rest}))


def rebase_units(frame: pd.DataFrame, scope, column: str | None = "unit_id",
                 counter: str | None = "counter_id", split_strata: bool = False) -> pd.DataFrame:
    """`frame` with each row's unit (`column`) replaced by the unit that shows it on
    `scope.as_of` (the counter column, when present, places the responses of a split unit
    and is then dropped). Rows are not added up here: the engine adds equal patterns of a
    group (regroup_patterns).

    `split_strata` (the strata are the units that ran the survey): the part of a split
    unit that the rule gives to a successor becomes a stratum of its own (a negative
    code per (unit, successor)), so a successor's row depends on its own respondents
    only, whoever asks (docs/analysis.md "Re-based units"). Every other stratum keeps its
    unit id: merges, renames and moves give a whole stratum to one unit, and a scope with
    no split in force gives the same numbers, to the last bit, as without a date."""
    if frame.empty or scope.as_of is None:
        return frame.drop(columns=[counter], errors="ignore") if counter else frame
    lineage = lineage_of(scope)
    # The counter places a response only where the unit is the counter's (receiving view).
    has_counter = (counter is not None and counter in frame.columns
                   and getattr(scope, "role", "receiving") == "receiving")
    counters = (frame[counter] if has_counter else pd.Series(-1, index=frame.index))
    counters = counters.fillna(-1).astype("int64")  # -1: no counter

    def placed(units: pd.Series, counters: pd.Series | None) -> np.ndarray:
        """Placement of every row, computed once per distinct (unit, counter)."""
        keys = pd.DataFrame({"u": units.to_numpy(dtype="int64"),
                             "c": (counters.to_numpy(dtype="int64") if counters is not None
                                   else np.full(len(units), -1, dtype="int64"))})
        unique = keys.drop_duplicates()
        unique = unique.assign(p=[lineage.place(int(u), None if c < 0 else int(c),
                                                scope.as_of).unit
                                  for u, c in zip(unique["u"], unique["c"], strict=True)])
        return keys.merge(unique, on=["u", "c"], how="left")["p"].to_numpy(dtype="int64")

    out = frame.copy()
    if split_strata and has_counter and "stratum" in frame.columns:
        own, whole = placed(frame["stratum"], counters), placed(frame["stratum"], None)
        moved = own != whole
        strata = frame["stratum"].to_numpy(dtype="int64").copy()
        if moved.any():
            parts = pd.DataFrame({"s": strata[moved], "p": own[moved]})
            codes = parts.drop_duplicates().sort_values(["s", "p"]).reset_index(drop=True)
            codes["code"] = -(np.arange(len(codes), dtype="int64") + 1)
            strata[moved] = parts.merge(codes, on=["s", "p"], how="left")["code"].to_numpy()
        out["stratum"] = strata
    if column is not None:
        out[column] = placed(frame[column], counters)
    return out.drop(columns=[counter], errors="ignore") if counter else out


def placer(scope):
    """(unit, counter) → the unit that shows a response of them on `scope.as_of`."""
    if scope.as_of is None:
        return lambda unit, _counter: unit
    lineage = lineage_of(scope)
    by_counter = getattr(scope, "role", "receiving") == "receiving"
    return lambda unit, counter: lineage.place(unit, counter if by_counter else None,
                                               scope.as_of).unit


def with_notes(table: pd.DataFrame, scope) -> pd.DataFrame:
    """A units table with `lineage_note`: why an old unit is shown (unit_notes), or None."""
    notes = unit_notes(scope, table["unit_id"]) if not table.empty else {}
    return table.assign(lineage_note=pd.Series([notes.get(int(i)) for i in table["unit_id"]],
                                               index=table.index, dtype=object))


def lineage_note_words() -> dict[str, str]:
    """The notes in the reader's language (the page and the API's `unit_note_text`)."""
    from flask_babel import gettext as _

    return {UNASSIGNED: _("đơn vị cũ đã chia tách: phiếu ở các quầy chưa được phân cho "
                          "đơn vị mới, không chia"),
            ENDED: _("đơn vị đã thôi hoạt động, không có đơn vị kế thừa")}


def valid_on(day: date) -> sa.ColumnElement[bool]:
    """WHERE clause on `units`: valid on `day` (half-open [valid_from, valid_to))."""
    from survey_app.models import Unit

    return sa.and_(sa.or_(Unit.valid_from.is_(None), Unit.valid_from <= day),
                   sa.or_(Unit.valid_to.is_(None), Unit.valid_to > day))


def unit_notes(scope, unit_ids: Iterable[int]) -> dict[int, str]:
    """Units kept visible under their own name on `scope.as_of`, with why: UNASSIGNED
    (split, and some responses had no rule) or ENDED (no longer valid, no successor)."""
    if scope.as_of is None:
        return {}
    lineage = lineage_of(scope)
    notes = {}
    for unit in {int(u) for u in unit_ids}:
        note = lineage.place(unit, None, scope.as_of).note
        if note in NOTES:
            notes[unit] = note
    return notes


__all__ = ["NOTES", "Covered", "covered", "covering_condition", "lineage_note_words",
           "lineage_of", "needs_counters", "placer", "rebase_units", "rule_counters",
           "unit_notes", "valid_on", "volume_units", "with_notes"]
