"""Scoping: a unit user sees its own subtree and nothing else; Nội vụ sees everything."""

from datetime import date

import pytest

from survey_app.extensions import db
from survey_app.models import Unit, User
from survey_app.reporting import ReportScope
from survey_app.services.scoping import (
    can_see_unit,
    restrict,
    subtree_ids,
    visible_unit_ids,
    visible_units_query,
)


def _tree():
    huyen = Unit(code="H", name_vi="Huyện", kind="huyen", level="huyen")
    xa1 = Unit(code="X1", name_vi="Xã 1", kind="xa", level="xa", parent=huyen)
    xa2 = Unit(code="X2", name_vi="Xã 2", kind="xa", level="xa", parent=huyen)
    phong = Unit(code="P", name_vi="Phòng", kind="phong", level="huyen", parent=huyen)
    tram = Unit(code="T", name_vi="Trạm", kind="su_nghiep", level="xa", parent=phong)
    db.session.add_all([huyen, xa1, xa2, phong, tram])
    db.session.commit()
    return huyen, xa1, xa2, phong, tram


def _user(role, unit=None):
    user = User(username=f"{role}-{unit.code if unit else 'all'}", password_hash="x", role=role,
                unit=unit)
    db.session.add(user)
    db.session.commit()
    return user


def test_subtree_follows_the_tree_down_not_up(any_app):
    with any_app.app_context():
        huyen, xa1, xa2, phong, tram = _tree()
        assert subtree_ids([phong.id]) == {phong.id, tram.id}
        assert subtree_ids([huyen.id]) == {u.id for u in (huyen, xa1, xa2, phong, tram)}
        assert subtree_ids([xa1.id]) == {xa1.id}
        assert subtree_ids([]) == frozenset()


def test_unit_user_sees_own_subtree_only(any_app):
    with any_app.app_context():
        huyen, xa1, xa2, phong, tram = _tree()
        user = _user("unit", phong)
        assert visible_unit_ids(user) == {phong.id, tram.id}
        assert can_see_unit(user, tram.id) and not can_see_unit(user, huyen.id)
        assert not can_see_unit(user, xa1.id)
        names = {u.code for u in db.session.scalars(visible_units_query(user))}
        assert names == {"P", "T"}


@pytest.mark.parametrize("role", ["admin", "analyst"])
def test_noi_vu_sees_everything(app, role):
    with app.app_context():
        units = _tree()
        user = _user(role)
        assert visible_unit_ids(user) is None
        assert all(can_see_unit(user, u.id) for u in units)


def test_restrict_never_widens_a_scope(app):
    with app.app_context():
        huyen, xa1, xa2, phong, tram = _tree()
        user = _user("unit", phong)
        scope = ReportScope(date(2026, 1, 1), date(2026, 3, 31))
        assert set(restrict(scope, user).unit_ids) == {phong.id, tram.id}
        asked = ReportScope(scope.start, scope.end, unit_ids=(xa1.id, tram.id))
        assert restrict(asked, user).unit_ids == (tram.id,)
        other = ReportScope(scope.start, scope.end, unit_ids=(xa1.id,))
        assert restrict(other, user).unit_ids == ()


def test_anonymous_and_inconsistent_users_see_nothing(app):
    class Anonymous:
        is_authenticated = False

    with app.app_context():
        _tree()
        assert visible_unit_ids(Anonymous()) == frozenset()
        assert visible_unit_ids(None) == frozenset()
        assert list(db.session.scalars(visible_units_query(Anonymous()))) == []


# --- attribution by dossier: receiving unit OR deciding agency --------------------------

def _responses_between(units):
    """r1 received at X1 and decided by P; r2 received at X2 (no agency named); r3 received
    at T (below P) and decided by X1."""
    from datetime import UTC, datetime

    from survey_app.models import Field, InstrumentVersion, Response

    huyen, xa1, xa2, phong, tram = units
    version = db.session.scalar(db.select(InstrumentVersion))
    land = db.session.scalar(db.select(Field))
    made = {}
    for key, received, decided in (("r1", xa1, phong), ("r2", xa2, None), ("r3", tram, xa1)):
        response = Response(instrument_version_id=version.id, unit_id=received.id,
                            deciding_unit_id=decided.id if decided else None,
                            field_id=land.id, channel="receipt_qr",
                            submitted_at=datetime(2026, 5, 1, tzinfo=UTC),
                            submission_key=key)
        db.session.add(response)
        made[key] = response
    db.session.commit()
    return {r.id: key for key, r in made.items()}


def _seen(user, roles=None):
    from survey_app.models import Response
    from survey_app.services.scoping import visible_responses_condition

    condition = (visible_responses_condition(user) if roles is None
                 else visible_responses_condition(user, roles))
    return set(db.session.scalars(db.select(Response.submission_key).where(condition)))


def test_unit_user_sees_responses_it_received_or_decides_and_no_others(any_app):
    from survey_app.models import Response
    from survey_app.services.scoping import can_see_response

    with any_app.app_context():
        units = _tree()
        huyen, xa1, xa2, phong, tram = units
        _responses_between(units)
        user_x1, user_p, user_x2 = _user("unit", xa1), _user("unit", phong), _user("unit", xa2)
        assert _seen(user_x1) == {"r1", "r3"}  # received r1, decides r3
        assert _seen(user_p) == {"r1", "r3"}  # decides r1, T is below it
        assert _seen(user_x2) == {"r2"}
        assert _seen(_user("unit", tram)) == {"r3"}
        assert _seen(_user("unit", huyen)) == {"r1", "r2", "r3"}
        assert _seen(_user("analyst")) == {"r1", "r2", "r3"}
        assert _seen(User(username="nobody", password_hash="x", role="unit")) == set()
        # one role at a time, for the "receiving" and "deciding" views
        assert _seen(user_x1, ["receiving"]) == {"r1"}
        assert _seen(user_x1, ["deciding"]) == {"r3"}
        r1 = db.session.scalar(db.select(Response).filter_by(submission_key="r1"))
        assert can_see_response(user_p, r1) and not can_see_response(user_x2, r1)


def test_attribution_condition_edges():
    from survey_app.services.scoping import attributed_condition, attribution_column

    assert str(attributed_condition(None)) == "true"
    assert str(attributed_condition([])) == "false"
    with pytest.raises(ValueError):
        attribution_column("counter")
