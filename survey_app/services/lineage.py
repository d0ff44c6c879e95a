"""Which unit of the structure valid on a date represents each unit, old or new.

Pure: plain records in, plain records out, no database. The loader at the bottom
reads them from the tables (survey_app.models.lineage) for the callers that need it.

Rules (docs/data-model.md, "Lineage"):
- a link is followed when its effective date is on or before the "as of" date, and
  chains are followed to the end (A merged into B, B renamed C → C);
- merge, rename and move have exactly one successor: everything rolls up exactly;
- a split sends each counter named in its rule to that link's successor; a response
  whose counter has no rule (or that has no counter) stays on the unit that was split,
  shown under its own name with the note UNASSIGNED: nothing is divided silently;
- cycles and inconsistent links (two dates for one predecessor, a merge with two
  successors) are refused with LineageError.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import date

from analysis import periods

SINGLE_SUCCESSOR = frozenset({"merge", "rename", "move"})
UNASSIGNED = "split_unassigned"  # a split without a rule for this counter
ENDED = "ended_without_successor"  # not valid on the date and no link to follow


class LineageError(ValueError):
    """The links contradict themselves; `units` names the units involved."""

    def __init__(self, message: str, units: tuple[int, ...] = ()):
        super().__init__(message)
        self.units = units


class LineageCycle(LineageError):
    """Following the links comes back to where it started."""


@dataclass(frozen=True)
class Link:
    predecessor: int
    successor: int
    effective: date
    change: str
    counters: frozenset[int] = frozenset()  # split rule: counters going to `successor`


@dataclass(frozen=True)
class Placement:
    """Where a (unit, counter) is shown on the date: `unit`; `note` when it is an old unit
    kept visible (UNASSIGNED, ENDED); `path` the units walked through, first to last."""

    unit: int
    note: str | None = None
    path: tuple[int, ...] = ()


@dataclass(frozen=True)
class Representation:
    """What represents a unit on the date: all of it (`whole`), or per counter for the
    counters a split assigns, with the rest (`remainder`) staying on an old unit."""

    unit: int
    whole: Placement | None
    by_counter: Mapping[int, Placement] = field(default_factory=dict)
    remainder: Placement | None = None

    @property
    def units(self) -> frozenset[int]:
        placed = [self.whole, self.remainder, *self.by_counter.values()]
        return frozenset(p.unit for p in placed if p is not None)


@dataclass(frozen=True)
class Validity:
    valid_from: date | None = None
    valid_to: date | None = None

    def covers(self, day: date) -> bool:
        return ((self.valid_from is None or self.valid_from <= day)
                and (self.valid_to is None or day < self.valid_to))


class Lineage:
    """The links between units, checked once; ask it for any date."""

    def __init__(self, links: Iterable[Link], validity: Mapping[int, Validity] | None = None):
        self.validity = dict(validity or {})
        self.outgoing: dict[int, list[Link]] = {}
        for link in links:
            if link.predecessor == link.successor:
                raise LineageCycle("a unit cannot be its own successor", (link.predecessor,))
            self.outgoing.setdefault(link.predecessor, []).append(link)
        for unit, out in self.outgoing.items():
            out.sort(key=lambda lk: lk.successor)
            if len({lk.effective for lk in out}) > 1:
                raise LineageError("one unit ends on two different dates", (unit,))
            if len(out) > 1 and any(lk.change != "split" for lk in out):
                raise LineageError("only a split may have several successors", (unit,))
            if len(out) == 1 and out[0].change == "split":
                raise LineageError("a split needs at least two successors", (unit,))
            seen: set[int] = set()
            for lk in out:
                if seen & lk.counters:
                    raise LineageError("a counter goes to two successors of a split", (unit,))
                seen |= lk.counters
        cycle = self.find_cycle()
        if cycle:
            raise LineageCycle("the links form a cycle", tuple(cycle))

    def find_cycle(self) -> list[int] | None:
        return find_cycle(lk for out in self.outgoing.values() for lk in out)

    def _active(self, unit: int, as_of: date) -> list[Link]:
        return [lk for lk in self.outgoing.get(unit, ()) if lk.effective <= as_of]

    def place(self, unit: int, counter: int | None = None,
              as_of: date | None = None) -> Placement:
        """The unit that shows a response of `unit` received at `counter` on `as_of`."""
        as_of = as_of or periods.today()
        path = [unit]
        while True:
            links = self._active(path[-1], as_of)
            if not links:
                break
            if len(links) == 1 and links[0].change in SINGLE_SUCCESSOR:
                path.append(links[0].successor)
                continue
            chosen = [lk for lk in links if counter is not None and counter in lk.counters]
            if not chosen:
                return Placement(path[-1], UNASSIGNED, tuple(path))
            path.append(chosen[0].successor)
        last = path[-1]
        known = self.validity.get(last)
        note = ENDED if known is not None and not known.covers(as_of) else None
        return Placement(last, note, tuple(path))

    def represent(self, unit: int, counters: Iterable[int] = (),
                  as_of: date | None = None) -> Representation:
        """How `unit` (with its counters, for the splits' rules) maps onto `as_of`."""
        as_of = as_of or periods.today()
        counters = sorted(set(counters))
        by_counter = {c: self.place(unit, c, as_of) for c in counters}
        remainder = self.place(unit, None, as_of)
        if all(p.unit == remainder.unit for p in by_counter.values()):
            return Representation(unit, remainder)
        moved = {c: p for c, p in by_counter.items() if p.note != UNASSIGNED}
        return Representation(unit, None, moved, remainder)

    def map_units(self, units: Iterable[int], counters_of: Mapping[int, Iterable[int]],
                  as_of: date | None = None) -> dict[int, Representation]:
        """Every unit (historical ones too) to what represents it on `as_of`."""
        return {u: self.represent(u, counters_of.get(u, ()), as_of) for u in units}


def find_cycle(links: Iterable[Link]) -> list[int] | None:
    """A cycle of the links as [a, b, …, a], or None (iterative depth-first search, so a
    long chain cannot exhaust the stack)."""
    outgoing: dict[int, list[int]] = {}
    for link in links:
        outgoing.setdefault(link.predecessor, []).append(link.successor)
    state: dict[int, int] = {}  # 1 = on the current path, 2 = done
    for start in sorted(outgoing):
        if state.get(start):
            continue
        path, stack = [start], [iter(sorted(outgoing[start]))]
        state[start] = 1
        while stack:
            nxt = next(stack[-1], None)
            if nxt is None:
                state[path.pop()] = 2
                stack.pop()
                continue
            if state.get(nxt) == 1:
                return path[path.index(nxt):] + [nxt]
            if not state.get(nxt):
                state[nxt] = 1
                path.append(nxt)
                stack.append(iter(sorted(outgoing.get(nxt, ()))))
    return None


def load_lineage(session) -> Lineage:
    """The stored links and validity dates (raises LineageError if they contradict)."""
    import sqlalchemy as sa

    from survey_app.models import LineageCounter, Unit, UnitLineage

    rules: dict[int, set[int]] = {}
    for lineage_id, counter_id in session.execute(
            sa.select(LineageCounter.lineage_id, LineageCounter.counter_id)):
        rules.setdefault(lineage_id, set()).add(counter_id)
    links = [Link(r.predecessor_id, r.successor_id, r.effective_date, r.change,
                  frozenset(rules.get(r.id, ())))
             for r in session.scalars(sa.select(UnitLineage))]
    validity = {uid: Validity(vf, vt) for uid, vf, vt in session.execute(
        sa.select(Unit.id, Unit.valid_from, Unit.valid_to))}
    return Lineage(links, validity)


__all__ = ["ENDED", "UNASSIGNED", "Lineage", "LineageCycle", "LineageError", "Link",
           "Placement", "Representation", "Validity", "find_cycle", "load_lineage"]
