"""The lineage service on small hand-built histories: merge, split, rename, move, a chain
of three, two dates, cycles refused, and the loader reading the tables."""

from __future__ import annotations

from datetime import date

import pytest

from survey_app.services.lineage import (
    ENDED,
    UNASSIGNED,
    Lineage,
    LineageCycle,
    LineageError,
    Link,
    Validity,
)

REFORM = date(2025, 7, 1)
BEFORE, AFTER = date(2024, 12, 31), date(2026, 6, 30)
# Units: 1, 2 old communes; 3 the new ward; 10 a district; 20/21 its successors.
A, B, C, D = 1, 2, 3, 4


def test_merge_rolls_every_predecessor_up_to_the_successor_from_its_date():
    lineage = Lineage([Link(A, C, REFORM, "merge"), Link(B, C, REFORM, "merge")])
    for unit in (A, B, C):
        assert lineage.place(unit, as_of=AFTER).unit == C
    assert lineage.place(A, as_of=BEFORE).unit == A  # before the date nothing moves
    assert lineage.place(A, as_of=REFORM).unit == C  # the effective date itself counts
    assert lineage.represent(A, counters=[100, 101], as_of=AFTER).units == {C}
    assert lineage.place(A, as_of=AFTER).path == (A, C)


def test_rename_and_move_are_one_to_one():
    lineage = Lineage([Link(A, B, REFORM, "rename"), Link(C, D, REFORM, "move")])
    assert lineage.place(A, counter=7, as_of=AFTER).unit == B
    assert lineage.place(C, as_of=AFTER).unit == D


def test_chain_of_three_follows_to_the_end_and_stops_at_the_date():
    later = date(2026, 1, 1)
    lineage = Lineage([Link(A, B, REFORM, "merge"), Link(B, C, later, "rename"),
                       Link(C, D, date(2026, 4, 1), "move")])
    assert lineage.place(A, as_of=BEFORE).unit == A
    assert lineage.place(A, as_of=date(2025, 9, 1)).unit == B
    assert lineage.place(A, as_of=date(2026, 2, 1)).unit == C
    got = lineage.place(A, as_of=AFTER)
    assert (got.unit, got.note, got.path) == (D, None, (A, B, C, D))


def test_split_maps_counters_by_its_rule_and_keeps_the_rest_on_the_old_unit():
    lineage = Lineage([Link(10, 20, REFORM, "split", frozenset({100, 101})),
                       Link(10, 21, REFORM, "split", frozenset({102}))])
    assert lineage.place(10, counter=100, as_of=AFTER).unit == 20
    assert lineage.place(10, counter=102, as_of=AFTER).unit == 21
    stay = lineage.place(10, counter=103, as_of=AFTER)  # no rule for this counter
    assert (stay.unit, stay.note) == (10, UNASSIGNED)
    assert lineage.place(10, counter=None, as_of=AFTER).note == UNASSIGNED
    rep = lineage.represent(10, counters=[100, 101, 102, 103], as_of=AFTER)
    assert rep.whole is None
    assert {c: p.unit for c, p in rep.by_counter.items()} == {100: 20, 101: 20, 102: 21}
    assert (rep.remainder.unit, rep.remainder.note) == (10, UNASSIGNED)
    assert rep.units == {10, 20, 21}
    assert lineage.represent(10, counters=[100], as_of=BEFORE).whole.unit == 10


def test_split_then_merge_follows_each_counter_down_its_own_chain():
    lineage = Lineage([Link(10, 20, REFORM, "split", frozenset({100})),
                       Link(10, 21, REFORM, "split", frozenset({101})),
                       Link(20, 30, date(2026, 1, 1), "merge"),
                       Link(21, 30, date(2026, 1, 1), "merge")])
    assert lineage.place(10, counter=100, as_of=date(2025, 8, 1)).unit == 20
    assert lineage.place(10, counter=101, as_of=AFTER).unit == 30
    rep = lineage.represent(10, counters=[100, 101], as_of=AFTER)
    assert {c: p.unit for c, p in rep.by_counter.items()} == {100: 30, 101: 30}
    # a response with no counter has no rule: it stays on the split unit, with the note
    assert (rep.remainder.unit, rep.remainder.note) == (10, UNASSIGNED)


def test_a_unit_that_ended_without_a_successor_stays_visible_with_a_note():
    lineage = Lineage([], {A: Validity(None, REFORM), B: Validity(REFORM, None)})
    assert (lineage.place(A, as_of=AFTER).unit, lineage.place(A, as_of=AFTER).note) == (
        A, ENDED)
    assert lineage.place(A, as_of=BEFORE).note is None
    assert lineage.place(B, as_of=AFTER).note is None


def test_map_units_covers_historical_and_current_units_on_two_dates():
    links = [Link(A, C, REFORM, "merge"), Link(B, C, REFORM, "merge")]
    lineage = Lineage(links)
    after = lineage.map_units([A, B, C], {A: [100]}, as_of=AFTER)
    before = lineage.map_units([A, B, C], {A: [100]}, as_of=BEFORE)
    assert {u: r.whole.unit for u, r in after.items()} == {A: C, B: C, C: C}
    assert {u: r.whole.unit for u, r in before.items()} == {A: A, B: B, C: C}


@pytest.mark.parametrize("links", [
    [Link(A, B, REFORM, "merge"), Link(B, A, date(2026, 1, 1), "rename")],
    [Link(A, B, REFORM, "rename"), Link(B, C, REFORM, "rename"), Link(C, A, REFORM, "merge")],
    [Link(A, A, REFORM, "rename")],
])
def test_cycles_are_refused_naming_the_units(links):
    with pytest.raises(LineageCycle) as caught:
        Lineage(links)
    assert set(caught.value.units) >= {A}


@pytest.mark.parametrize("links, words", [
    ([Link(A, B, REFORM, "merge"), Link(A, C, date(2026, 1, 1), "merge")], "two different"),
    ([Link(A, B, REFORM, "merge"), Link(A, C, REFORM, "merge")], "only a split"),
    ([Link(A, B, REFORM, "split", frozenset({1}))], "at least two"),
    ([Link(A, B, REFORM, "split", frozenset({1})), Link(A, C, REFORM, "split",
                                                        frozenset({1}))], "two successors"),
])
def test_contradicting_links_are_refused(links, words):
    with pytest.raises(LineageError, match=words):
        Lineage(links)


def test_loader_reads_links_rules_and_validity_from_the_tables(app):
    from survey_app.extensions import db
    from survey_app.models import Counter, InstrumentVersion, LineageCounter, Unit, UnitLineage
    from survey_app.services.lineage import load_lineage

    with app.app_context():
        version = db.session.scalar(db.select(InstrumentVersion))
        old = Unit(code="X-OLD", name_vi="Xã Cũ", kind="xa", level="xa", valid_to=REFORM)
        north = Unit(code="P-N", name_vi="Phường Bắc", kind="xa", level="xa",
                     valid_from=REFORM)
        south = Unit(code="P-S", name_vi="Phường Nam", kind="xa", level="xa",
                     valid_from=REFORM)
        db.session.add_all([old, north, south])
        db.session.flush()
        desk = Counter(unit_id=old.id, code="Q1", name_vi="Quầy 1",
                       instrument_version_id=version.id)
        db.session.add(desk)
        db.session.flush()
        to_north = UnitLineage(predecessor_id=old.id, successor_id=north.id,
                               effective_date=REFORM, change="split")
        to_north.counters.append(LineageCounter(counter_id=desk.id))
        db.session.add_all([to_north, UnitLineage(predecessor_id=old.id,
                                                  successor_id=south.id,
                                                  effective_date=REFORM, change="split")])
        db.session.commit()
        lineage = load_lineage(db.session)
        assert lineage.place(old.id, desk.id, AFTER).unit == north.id
        assert lineage.place(old.id, None, AFTER).note == UNASSIGNED
        assert lineage.place(old.id, desk.id, BEFORE).unit == old.id
