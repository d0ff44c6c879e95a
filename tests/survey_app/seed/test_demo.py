"""The seeded demo is today's Viet Nam: a fictional province after the 2025 reform whose
2024 history sits on the old units, linked to today's by a lineage the import accepts."""

from __future__ import annotations

from collections import Counter as Tally
from datetime import date

import pytest
import sqlalchemy as sa

from analysis.periods import period_bounds
from survey_app.admin.lineage_import import plan_lineage
from survey_app.admin.upload_reader import SourceRow
from survey_app.extensions import db
from survey_app.models import Field, Response, Unit, UnitLineage, User, is_district
from survey_app.seed import demo
from survey_app.seed.demo_structure import REFORM, link_specs
from survey_app.services.lineage import load_lineage

TODAY = date(2026, 11, 21)  # the day tests/conftest.py seeds the demo on


def _units():
    return {u.code: u for u in db.session.scalars(sa.select(Unit))}


def test_no_current_unit_is_a_district_body_and_history_is_kept(demo_app):
    with demo_app.app_context():
        units = _units().values()
        current = [u for u in units if u.valid_on(TODAY)]
        assert current and not [u.code for u in current if is_district(u.kind, u.level)]
        old = [u for u in units if is_district(u.kind, u.level)]
        assert old and all(u.valid_to is not None and u.valid_to <= REFORM for u in old)
        kinds = {u.kind for u in current}
        assert {"tinh", "hcc_tinh", "hcc_chi_nhanh", "so", "nganh_doc", "xa", "hcc_xa",
                "diem_tiep_nhan"} <= kinds
        communes = [u for u in current if u.kind == "xa"]
        assert len(communes) >= 10
        for commune in communes:  # each with its centre, and the centre with its points
            centres = [c for c in commune.children if c.kind == "hcc_xa"]
            assert len(centres) == 1, commune.code
            assert 1 <= sum(p.kind == "diem_tiep_nhan" for p in centres[0].children) <= 2
            assert all(p.counters for p in [centres[0], *centres[0].children])


def test_lineage_has_every_kind_of_change_and_the_import_accepts_it_unchanged(demo_app):
    with demo_app.app_context():
        changes = Tally(db.session.scalars(sa.select(UnitLineage.change)))
        assert set(changes) == {"merge", "split", "rename", "move"}
        split = db.session.scalars(sa.select(UnitLineage).filter_by(change="split")).all()
        assert all(link.counters for link in split)  # the split's rule names counters
        lineage = load_lineage(db.session)  # raises on a contradiction or a cycle
        units = _units()
        for old in demo.MERGED_FROM:
            assert lineage.place(units[old].id, as_of=TODAY).unit == units[demo.MERGED_COMMUNE].id
        # The same links, written as the documented import file, change nothing.
        rows = [SourceRow(i, {"predecessor": s.predecessor, "successor": s.successor,
                              "effective_date": s.effective.isoformat(), "change": s.change,
                              "counters": " ".join(s.counters), "note": s.note})
                for i, s in enumerate(link_specs(), 2)]
        with demo_app.test_request_context():
            plans = plan_lineage(rows)
        assert [(p.line, p.status, p.errors) for p in plans if p.status != "unchanged"] == []


def test_responses_sit_on_units_and_fields_valid_on_their_day(demo_app):
    with demo_app.app_context():
        units = {u.id: u for u in db.session.scalars(sa.select(Unit))}
        fields = {f.id: f for f in db.session.scalars(sa.select(Field))}
        rows = db.session.execute(sa.select(Response.unit_id, Response.deciding_unit_id,
                                            Response.field_id, Response.submitted_at)).all()
    first, _ = period_bounds(demo.FIRST_PERIOD)
    _, last = period_bounds("2026-Q3")  # the last complete quarter on TODAY
    days = [r.submitted_at.date() for r in rows]
    assert min(days) >= first and max(days) <= last
    assert min(days) < date(2024, 3, 1)  # 2024 is there, on the old units
    for unit_id, deciding_id, field_id, at in rows:
        day = at.date()
        assert units[unit_id].valid_on(day), (units[unit_id].code, day)
        assert fields[field_id].valid_on(day), (fields[field_id].code, day)
        assert deciding_id is None or (day >= REFORM and units[deciding_id].valid_on(day))
    before = {units[r.unit_id].code for r in rows if r.submitted_at.date() < REFORM}
    assert {"H-XH", *demo.MERGED_FROM, "S-KHDT", "S-TNMT", "P-TP"} <= before


def test_some_dossiers_received_in_a_commune_are_decided_by_a_department(demo_app):
    with demo_app.app_context():
        units = _units()
        received, decided = sa.orm.aliased(Unit), sa.orm.aliased(Unit)
        pairs = Tally(db.session.execute(
            sa.select(received.kind, decided.kind).select_from(Response)
            .join(received, Response.unit_id == received.id)
            .join(decided, Response.deciding_unit_id == decided.id)).all())
        assert pairs[("hcc_xa", "so")] > 0 and pairs[("diem_tiep_nhan", "so")] > 0
        assert pairs[("hcc_chi_nhanh", "xa")] > 0  # a branch receives, a commune decides
        assert pairs[("hcc_xa", "xa")] > pairs[("hcc_xa", "so")]  # mostly the commune's own
        office = units[demo.OFFICE_USER_UNIT]
        assert db.session.scalar(sa.select(sa.func.count()).where(
            Response.unit_id == office.id)) == 0
        assert db.session.scalar(sa.select(sa.func.count()).where(
            Response.deciding_unit_id == office.id)) > 0


@pytest.mark.parametrize("period", ["2026-Q2", "2026-Q3"])
def test_named_units_keep_their_character(demo_app, period):
    """The units the tests and docs name: a high and a low scorer, a tiny sample."""
    from survey_app.reporting import ReportScope, compute_indices_sql

    with demo_app.app_context():
        units = _units()
        table = compute_indices_sql(ReportScope.for_period(period), by=("unit",))
    overall = table[table["level"] == "overall"].set_index("unit_id")
    assert overall.loc[units[demo.HIGH_SCORING_CENTRE].id, "estimate"] > 0.95
    assert overall.loc[units[demo.LOW_SCORING_CENTRE].id, "estimate"] < 0.85
    assert overall.loc[units[demo.FEW_RESPONSES].id, "n_respondents"] < 10


def test_demo_users_and_the_fictional_notice(demo_app):
    with demo_app.app_context():
        units = _units()
        users = {u.username: u for u in db.session.scalars(sa.select(User))}
        assert users["xuanan"].unit_id == units[demo.UNIT_USER_UNIT].id
        assert users["tnmt"].unit_id == units[demo.OFFICE_USER_UNIT].id
        assert all(units[code].valid_on(TODAY) for code in demo.PUBLISHED)
    page = demo_app.test_client().get("/")
    assert "hư cấu" in page.text and 'id="demo-notice"' in page.text
    english = demo_app.test_client().get("/?lang=en")
    assert "fictional" in english.text
