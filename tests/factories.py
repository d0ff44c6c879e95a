"""The test worlds, built from a few small factories in one place.

Each `make_*` adds one row (and what it needs) to the current session inside an app
context and returns it; nothing is committed until the caller (or a world builder)
commits, so a test can build several rows in one transaction. Defaults are plausible
values a test does not care about; a test names what it does care about.

The worlds the conftests hand out:
- `make_world`: one commune with a short-form counter and a long-form counter with a fixed
  field (the survey, API and browser tests);
- `make_admin_world`: a province → district → commune tree, a counter, flagged responses
  and pending comments, and an admin (the admin and hostile tests);
- the seeded demo district (`tests/conftest.py:demo_app`), for dashboards and exports.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from itertools import count

import sqlalchemy as sa
from werkzeug.security import generate_password_hash

from survey_app.extensions import db
from survey_app.models import (
    Comment,
    Counter,
    Field,
    InstrumentVersion,
    Response,
    Unit,
    User,
)

PASSWORD = "mat-khau-rat-dai"
# Test accounts' passwords are hashed with scrypt at a low work factor. The app checks a
# stored hash with the parameters the hash names, so logging in works the same; the
# default factor (scrypt:32768:8:1) costs 0.12 s of CPU per hash and per login, which
# the many tests that create and log in a user paid over and over.
TEST_PASSWORD_HASH = "scrypt:1024:8:1"
_keys = count(1)


# --- the factories ------------------------------------------------------------------

def instrument_version(code: str = "counter-2018") -> InstrumentVersion:
    """A shipped instrument's stored version (the reference data holds both)."""
    return db.session.scalar(sa.select(InstrumentVersion).filter_by(code=code))


def field(code: str) -> Field:
    return db.session.scalar(sa.select(Field).filter_by(code=code))


def make_unit(code: str, name_vi: str | None = None, *, kind: str = "xa",
              level: str | None = None, parent: Unit | None = None, **columns) -> Unit:
    unit = Unit(code=code, name_vi=name_vi or f"Đơn vị {code}", kind=kind,
                level=level or kind, parent=parent, **columns)
    db.session.add(unit)
    return unit


def make_counter(unit: Unit, code: str = "MC", *, instrument: str = "counter-2018",
                 field_code: str | None = None, name_vi: str = "Bộ phận Một cửa",
                 **columns) -> Counter:
    counter = Counter(unit=unit, code=code, name_vi=name_vi,
                      instrument_version=instrument_version(instrument),
                      field=field(field_code) if field_code else None, **columns)
    db.session.add(counter)
    return counter


def make_user(username: str, role: str, *, unit: Unit | str | None = None,
              password: str | None = PASSWORD, **columns) -> User:
    """A staff account; `unit` is a Unit or its code. `password=None` stores a hash no
    password matches (for tests that never log in: no hashing cost). The password is
    hashed at the cheap `TEST_PASSWORD_HASH` factor."""
    if isinstance(unit, str):
        unit = db.session.scalar(sa.select(Unit).filter_by(code=unit))
    user = User(username=username, role=role, unit=unit,
                password_hash=(generate_password_hash(password, TEST_PASSWORD_HASH)
                               if password else "x"),
                **columns)
    db.session.add(user)
    return user


def make_response(counter: Counter, *, field_code: str = "dat-dai",
                  submitted_at: datetime | None = None, status: str = "valid",
                  status_reason: str | None = None, comment: str | None = None,
                  key: str | None = None, **columns) -> Response:
    """A stored response at `counter` (no answers unless given as `answers=[...]`)."""
    db.session.flush()  # the counter's and unit's ids
    response = Response(instrument_version_id=counter.instrument_version_id,
                        counter_id=counter.id, unit_id=counter.unit_id,
                        field_id=field(field_code).id, channel=columns.pop("channel", "counter_qr"),
                        submission_key=key or f"k{next(_keys)}",
                        submitted_at=submitted_at or datetime(2026, 3, 1, 8, 0, tzinfo=UTC),
                        status=status, status_reason=status_reason, **columns)
    db.session.add(response)
    if comment is not None:
        db.session.flush()
        db.session.add(Comment(response_id=response.id, text=comment))
    return response


# --- the survey world ---------------------------------------------------------------

SURVEY_TEST_CONFIG = {
    # Tests submit faster than people do and many times from one address.
    "SURVEY_MIN_SECONDS": 0,
    "SURVEY_MIN_SECONDS_PER_ANSWER": 0,
    "SURVEY_RATE_LIMIT_CLIENT": "1000 per minute",
    "SURVEY_RATE_LIMIT_COUNTER": "1000 per minute",
}


@dataclass
class World:
    unit_id: int
    short_slug: str  # counter-2018, no field: the form asks for it
    long_slug: str  # sipas-2022, field dat-dai fixed
    short_id: int
    long_id: int


def make_world(app, *, publish: bool = True) -> World:
    """One commune (X-TEST) with a short-form counter and a long-form land counter."""
    app.config.update(SURVEY_TEST_CONFIG)
    with app.app_context():
        unit = make_unit("X-TEST", "UBND xã Thử Nghiệm", name_en="Thu Nghiem Commune",
                         publish_results=publish)
        short = make_counter(unit, "MC", name_en="One-stop counter")
        long = make_counter(unit, "DD", instrument="sipas-2022", field_code="dat-dai",
                            name_vi="Quầy Đất đai", name_en="Land counter")
        db.session.commit()
        return World(unit.id, short.slug, long.slug, short.id, long.id)


# --- the admin world ----------------------------------------------------------------

@dataclass
class AdminWorld:
    province: int
    district: int
    commune: int
    counter: int
    flagged: list[int]
    comments: list[int]
    admin_id: int


def make_admin_world(app) -> AdminWorld:
    """Tỉnh T-HT → huyện H-CL → xã X-TL with one counter; three responses (two flagged
    as too fast), each with a comment holding markup; the admin `quantri`."""
    with app.app_context():
        province = make_unit("T-HT", "UBND tỉnh Hà Tĩnh", kind="tinh")
        district = make_unit("H-CL", "UBND huyện Can Lộc", kind="huyen", parent=province)
        commune = make_unit("X-TL", "UBND xã Tùng Lộc", parent=district)
        counter = make_counter(commune)
        flagged, comments = [], []
        for i in range(3):
            r = make_response(counter, key=f"k{i}",
                              submitted_at=datetime(2026, 3, 1, 8, i, tzinfo=UTC),
                              status="flagged" if i < 2 else "valid",
                              status_reason="quá nhanh" if i < 2 else None,
                              comment=f"<b>Góp ý {i}</b> <script>x</script>")
            if i < 2:
                flagged.append(r.id)
            comments.append(r.id)
        admin = make_user("quantri", "admin")
        db.session.commit()
        return AdminWorld(province.id, district.id, commune.id, counter.id, flagged, comments,
                          admin.id)
