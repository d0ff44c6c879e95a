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
- the seeded demo province (`tests/conftest.py:demo_app`), for dashboards and exports.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime
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


def make_scored(response: Response, seed: int) -> None:
    """Answers to every element item of the response's instrument, 1–5 or "not
    applicable" in a fixed but uneven pattern of `seed`, satisfied by the instrument's rule."""
    from survey_app.models import Answer

    db.session.flush()
    instrument = db.session.get(InstrumentVersion, response.instrument_version_id).instrument
    for j, item in enumerate(instrument.items):
        step = (seed * 7 + j * 3 + seed // 3) % 6
        value = None if step == 5 else step + 1
        db.session.add(Answer(response_id=response.id, item_code=item.code,
                              element_code=item.element,
                              item_position=instrument.item_position(item.code),
                              value=value, satisfied=item.is_satisfied(value)))


# --- the lineage world (the two-tier reform, issue 12) ------------------------------

REFORM = date(2025, 7, 1)


@dataclass
class LineageWorld:
    """Codes → ids of the units and counters; `responses` the stored ids per counter code."""

    units: dict[str, int]
    counters: dict[str, int]
    responses: dict[str, list[int]]


def make_lineage_world(app) -> LineageWorld:
    """Province T-M. Until 2025-07-01: communes X-A and X-B (merged into X-C on that day)
    and X-S, split into X-S1 (gets counter S-1) and X-S2 (gets S-2); counter S-3 has no
    rule, so its responses stay on X-S. Scored responses in April 2024 (2024-Q2 and
    2024-Y): 12 at X-A, 9 at X-B, 7 at S-1, 8 at S-2, 5 at S-3; 10 at X-C in April 2026.
    Users: `phantich` (analyst), `u-c` (X-C), `u-s1` (X-S1), `u-a` (X-A)."""
    from survey_app.models import LineageCounter, UnitLineage

    with app.app_context():
        province = make_unit("T-M", "UBND tỉnh Mới", kind="tinh")
        old = {"valid_to": REFORM, "parent": province}
        new = {"valid_from": REFORM, "parent": province}
        units = {"T-M": province,
                 "X-A": make_unit("X-A", "UBND xã An Cũ", **old),
                 "X-B": make_unit("X-B", "UBND xã Bình Cũ", **old),
                 "X-S": make_unit("X-S", "UBND xã Sơn Cũ", **old),
                 "X-C": make_unit("X-C", "UBND xã Cát Mới", **new),
                 "X-S1": make_unit("X-S1", "UBND phường Sơn Đông", **new),
                 "X-S2": make_unit("X-S2", "UBND xã Sơn Tây", **new)}
        counters = {"A": make_counter(units["X-A"], "A"), "B": make_counter(units["X-B"], "B"),
                    "C": make_counter(units["X-C"], "C"),
                    **{f"S-{i}": make_counter(units["X-S"], f"S{i}") for i in (1, 2, 3)}}
        db.session.flush()
        for code in ("X-A", "X-B"):
            db.session.add(UnitLineage(predecessor=units[code], successor=units["X-C"],
                                       effective_date=REFORM, change="merge"))
        for code, counter in (("X-S1", "S-1"), ("X-S2", "S-2")):
            link = UnitLineage(predecessor=units["X-S"], successor=units[code],
                               effective_date=REFORM, change="split")
            db.session.add(link)
            db.session.flush()
            db.session.add(LineageCounter(lineage_id=link.id, counter_id=counters[counter].id))
        sizes = {"A": 12, "B": 9, "S-1": 7, "S-2": 8, "S-3": 5, "C": 10}
        responses: dict[str, list[int]] = {}
        seed = 0
        for code, n in sizes.items():
            year = 2026 if code == "C" else 2024
            responses[code] = []
            for i in range(n):
                seed += 1
                r = make_response(counters[code], submitted_at=datetime(
                    year, 4, 1 + i, 2, seed % 60, tzinfo=UTC), comment=f"Góp ý {code} {i}")
                make_scored(r, seed + len(code) * n)
                responses[code].append(r)
        db.session.execute(sa.update(Comment).values(status="approved"))
        make_user("phantich", "analyst")
        for username, code in (("u-c", "X-C"), ("u-s1", "X-S1"), ("u-a", "X-A")):
            make_user(username, "unit", unit=units[code])
        db.session.commit()
        return LineageWorld({c: u.id for c, u in units.items()},
                            {c: k.id for c, k in counters.items()},
                            {c: [r.id for r in rs] for c, rs in responses.items()})


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


# --- the two-role world (attribution by dossier, NĐ 118/2025) -------------------------

def make_answers(response: Response, satisfied: bool) -> None:
    """Every element item of the response's instrument, all satisfied (5) or none (2)."""
    from survey_app.models import Answer

    db.session.flush()
    instrument = db.session.get(InstrumentVersion, response.instrument_version_id).instrument
    for item in instrument.items:
        db.session.add(Answer(response_id=response.id, item_code=item.code,
                              element_code=item.element,
                              item_position=instrument.item_position(item.code),
                              value=5 if satisfied else 2, satisfied=satisfied))


@dataclass
class TwoRoleWorld:
    """Commune A received dossiers that department B decides; commune C is a third unit."""

    a: int
    b: int
    c: int
    counts: dict  # what each view must count: {(role, unit code): respondents}
    comment: str  # approved, on a response received at A and decided by B
    other_comment: str  # approved, on a response of C alone
    fallback: int  # responses received at A whose deciding agency is unknown


TWO_ROLE_PERIOD = "2026-Q1"


def make_two_role_world(app) -> TwoRoleWorld:
    """In 2026-Q1: 6 responses received at X-A and decided by S-B (all satisfied), 4
    received at X-A with no deciding agency (none satisfied), 5 received and decided at
    X-C (all satisfied). Users `xa_a`, `so_b`, `xa_c` (unit) and `phantich` (analyst)."""
    with app.app_context():
        a = make_unit("X-A", "UBND xã Hòa A")
        b = make_unit("S-B", "Sở Nông nghiệp và Môi trường B", kind="so", level="tinh")
        c = make_unit("X-C", "UBND xã Ba C")
        at_a, at_c = make_counter(a), make_counter(c)
        db.session.flush()
        when = [datetime(2026, 3, 1, 8, i, tzinfo=UTC) for i in range(6)]
        comment = "Hồ sơ liên thông được Sở giải quyết đúng hẹn"
        other = "Quầy xã Ba C rất nhanh"
        for i in range(6):
            make_answers(make_response(at_a, submitted_at=when[i], deciding_unit_id=b.id,
                                       channel="receipt_qr",
                                       comment=comment if i == 0 else None), True)
        for i in range(4):
            make_answers(make_response(at_a, submitted_at=when[i]), False)
        for i in range(5):
            make_answers(make_response(at_c, submitted_at=when[i], deciding_unit_id=c.id,
                                       comment=other if i == 0 else None), True)
        db.session.execute(sa.update(Comment).values(status="approved"))
        for username, unit in (("xa_a", a), ("so_b", b), ("xa_c", c)):
            make_user(username, "unit", unit=unit)
        make_user("phantich", "analyst")
        db.session.commit()
        counts = {("receiving", "X-A"): 10, ("receiving", "X-C"): 5,
                  ("deciding", "S-B"): 6, ("deciding", "X-A"): 4, ("deciding", "X-C"): 5}
        return TwoRoleWorld(a.id, b.id, c.id, counts, comment, other, fallback=4)
