"""The database keeps the data honest by itself, on SQLite and on PostgreSQL."""

from datetime import UTC, date, datetime, timedelta, timezone

import pytest
import sqlalchemy as sa

from survey_app.extensions import db
from survey_app.models import (
    Answer,
    Counter,
    DossierVolume,
    Field,
    InstrumentVersion,
    Response,
    Target,
    Unit,
    User,
)


def _world():
    unit = Unit(code="X1", name_vi="UBND xã Một", kind="xa", level="xa")
    iv = db.session.scalar(db.select(InstrumentVersion).filter_by(code="counter-2018"))
    counter = Counter(unit=unit, code="MC", name_vi="Một cửa", instrument_version=iv)
    field = db.session.scalar(db.select(Field).filter_by(code="dat-dai"))
    db.session.add_all([unit, counter])
    db.session.commit()
    return unit, counter, field, iv


def _response(unit, counter, field, iv, key, **kw):
    return Response(instrument_version_id=iv.id, counter=counter, unit_id=unit.id,
                    field_id=field.id, channel="counter_qr", submission_key=key, **kw)


def _fails(obj_or_stmt):
    with pytest.raises(sa.exc.IntegrityError):
        if isinstance(obj_or_stmt, sa.sql.Executable):
            db.session.execute(obj_or_stmt)
        else:
            db.session.add(obj_or_stmt)
        db.session.commit()
    db.session.rollback()


def test_one_response_per_dossier_and_per_form_token(any_app):
    with any_app.app_context():
        unit, counter, field, iv = _world()
        db.session.add(_response(unit, counter, field, iv, "k1", dossier_hash="h" * 64))
        db.session.commit()
        _fails(_response(unit, counter, field, iv, "k2", dossier_hash="h" * 64))
        _fails(_response(unit, counter, field, iv, "k1"))
        assert db.session.scalar(db.select(sa.func.count(Response.id))) == 1


@pytest.mark.parametrize("value", [0, 10, -1])
def test_answer_value_outside_scale_range_is_refused(any_app, value):
    with any_app.app_context():
        unit, counter, field, iv = _world()
        response = _response(unit, counter, field, iv, "k")
        db.session.add(response)
        db.session.commit()
        _fails(Answer(response_id=response.id, item_code="TC", element_code="TC",
                      item_position=0, value=value))
        _fails(Answer(response_id=response.id, item_code="TC", value=None, satisfied=True))


def test_answers_go_with_their_response_and_need_one(any_app):
    with any_app.app_context():
        unit, counter, field, iv = _world()
        response = _response(unit, counter, field, iv, "k", answers=[
            Answer(item_code="TC", element_code="TC", item_position=0, value=5, satisfied=True),
            Answer(item_code="KQ", element_code="KQ", item_position=3, value=None)])
        db.session.add(response)
        db.session.commit()
        _fails(Answer(response_id=response.id + 999, item_code="TC", value=4))  # no such response
        _fails(Answer(response_id=response.id, item_code="TC", value=4))  # one answer per item
        db.session.delete(response)
        db.session.commit()
        assert db.session.scalar(db.select(sa.func.count()).select_from(Answer)) == 0


def test_element_answers_carry_their_item_position(any_app):
    with any_app.app_context():
        unit, counter, field, iv = _world()
        response = _response(unit, counter, field, iv, "k")
        db.session.add(response)
        db.session.commit()
        _fails(Answer(response_id=response.id, item_code="TC", element_code="TC", value=4))
        _fails(Answer(response_id=response.id, item_code="OVERALL", item_position=2, value=2))
        _fails(Answer(response_id=response.id, item_code="TC", element_code="TC",
                      item_position=-1, value=4))


def test_flagged_response_needs_a_reason(any_app):
    with any_app.app_context():
        unit, counter, field, iv = _world()
        _fails(_response(unit, counter, field, iv, "k", status="flagged"))
        _fails(_response(unit, counter, field, iv, "k", status="deleted", status_reason="x"))


def test_unit_user_needs_a_unit_and_roles_are_closed(any_app):
    with any_app.app_context():
        _fails(User(username="u", password_hash="x", role="unit"))
        _fails(User(username="u", password_hash="x", role="superuser"))


def test_targets_are_shares_with_a_consistent_scope(any_app):
    with any_app.app_context():
        _fails(Target(year=2026, scope="overall", metric="tthc", value=90, source="x"))
        _fails(Target(year=2026, scope="field", metric="tthc", value=0.9, source="x"))
        _fails(Target(year=2026, scope="overall", scope_code="dat-dai", metric="tthc",
                      value=0.9, source="x"))
        # the shipped plan targets are loaded as data
        count = db.session.scalar(db.select(sa.func.count(Target.id)))
        assert count == 14
        land_2030 = db.session.scalar(db.select(Target).filter_by(
            year=2030, scope="field", scope_code="dat-dai"))
        assert land_2030.value == pytest.approx(0.92) and "Xuân Lộc" in land_2030.source


def test_unit_kinds_and_dossier_volumes(any_app):
    with any_app.app_context():
        _fails(Unit(code="Z", name_vi="?", kind="ministry", level="tinh"))
        unit, _, field, _ = _world()
        _fails(DossierVolume(unit_id=unit.id, field_id=field.id, period="2026-Q1",
                             period_start=date(2025, 12, 10), period_end=date(2026, 3, 9),
                             received=-5))
        _fails(DossierVolume(unit_id=unit.id, field_id=field.id, period="2026-Q1",
                             period_start=date(2026, 3, 9), period_end=date(2025, 12, 10),
                             received=5))


def test_times_are_stored_and_read_back_in_utc(any_app):
    with any_app.app_context():
        unit, counter, field, iv = _world()
        hanoi = timezone(timedelta(hours=7))
        db.session.add(_response(unit, counter, field, iv, "k",
                                 submitted_at=datetime(2026, 3, 10, 7, 30, tzinfo=hanoi)))
        db.session.commit()
        db.session.expire_all()
        stored = db.session.scalar(db.select(Response.submitted_at))
        assert stored == datetime(2026, 3, 10, 0, 30, tzinfo=UTC)
        with pytest.raises(sa.exc.StatementError, match="naive datetime"):
            db.session.add(_response(unit, counter, field, iv, "k2",
                                     submitted_at=datetime(2026, 1, 1)))
            db.session.commit()
        db.session.rollback()


def test_counter_slugs_are_unguessable_and_distinct(any_app):
    with any_app.app_context():
        unit, counter, _, iv = _world()
        others = [Counter(unit=unit, code=f"C{i}", name_vi="q", instrument_version=iv)
                  for i in range(50)]
        db.session.add_all(others)
        db.session.commit()
        slugs = {c.slug for c in [counter, *others]}
        assert len(slugs) == 51 and all(len(s) >= 12 for s in slugs)
        assert all(len(c.verify_code) == 6 for c in others)


def test_instrument_version_definition_round_trips(any_app):
    with any_app.app_context():
        iv = db.session.scalar(db.select(InstrumentVersion).filter_by(code="sipas-2022"))
        assert iv.instrument.checksum == iv.checksum
        assert len(iv.instrument.items) == 20
