"""`flask --app survey_app seed-demo`: a FICTIONAL province after the 2025 reform, idempotent.

Tỉnh Hòa Giang does not exist; nor do its communes, people or official codes. Its
structure is today's (survey_app.seed.demo_structure): a provincial service centre with a
branch, eight departments under their 2025 names, two vertical agencies, and twelve
communes and wards, each with its service centre and reception points. The responses of
2024 and the first half of 2025 are recorded on the old three-tier units (the district
huyện Xuân Hòa, its communes and offices, the old departments), which end on 2025-07-01
(the departments on 2025-03-01), and the lineage table links them to today's units.
Responses run through the last complete reporting quarter (survey_app.seed.demo_responses).

Everything is keyed (unit and counter codes, usernames, deterministic submission keys),
so running it again adds nothing. Rows are written with bulk inserts (one INSERT per
chunk of rows, not one ORM object per row).
"""

from __future__ import annotations

import random
from datetime import UTC, date, datetime

import sqlalchemy as sa
from werkzeug.security import generate_password_hash

from analysis.periods import period_bounds, period_label, previous_period
from survey_app.extensions import db
from survey_app.models import (
    Answer,
    Comment,
    Counter,
    DossierVolume,
    Field,
    InstrumentVersion,
    LineageCounter,
    Response,
    Unit,
    UnitLineage,
    User,
)
from survey_app.seed.demo_responses import drafts, service_points
from survey_app.seed.demo_structure import counter_specs, link_specs, unit_specs
from survey_app.seed.reference import sync_reference_data

# Named units for tests and docs (codes of survey_app.seed.demo_structure).
PROVINCE = "T-HG"
PROVINCE_CENTRE = "HCC-T"            # the provincial service centre (hcc_tinh)
BRANCH = "HCC-CN-XH"                 # its branch in the former district town
OLD_DISTRICT = "H-XH"                # huyện Xuân Hòa, ended 2025-07-01, split
UNIT_USER_UNIT = "C-XAN"             # xã Xuân An: the demo unit user's commune
MERGED_COMMUNE = "C-XAN"             # merged from three old communes
MERGED_FROM = ("X-AT", "X-BI", "X-PH")
UNIT_USER_CENTRE = "C-XAN-HCC"       # its service centre (receives its dossiers)
OTHER_COMMUNE = "C-TLO"              # xã Thành Lộc: another commune, the lowest scores
LOW_SCORING_CENTRE = "C-TLO-HCC"     # below 85 % in every quarter
HIGH_SCORING_CENTRE = "C-XAN-HCC"    # above 95 %
FEW_RESPONSES = "C-MCA-D2"           # a reception point with a handful of responses
RENAMED = ("X-BT", "C-HTH")          # xã Bảo Thành → xã Hòa Thành
MOVED = ("SN-TTYT", "TTYT-XH")       # the district health centre → under Sở Y tế
OFFICE_USER_UNIT = "S-NNMT"          # Sở Nông nghiệp và Môi trường: decides, never receives
DECIDING_DEPARTMENT = "S-NNMT"       # decides land dossiers received in the communes
PUBLISHED = ("T-HG", "C-XAN")        # units with a public results page
FIRST_PERIOD = "2024-Q1"

DEMO_USERS = [
    # username, password, role, unit code, full name
    ("admin", "demo-admin", "admin", None, "Quản trị Sở Nội vụ"),
    ("phantich", "demo-analyst", "analyst", None, "Chuyên viên Sở Nội vụ"),
    ("xuanan", "demo-unit", "unit", UNIT_USER_UNIT, "Cán bộ UBND xã Xuân An"),
    ("tnmt", "demo-unit", "unit", OFFICE_USER_UNIT, "Cán bộ Sở Nông nghiệp và Môi trường"),
]
CHUNK = 2000  # rows per INSERT


def seed_demo(today: date | None = None, rng_seed: int = 2025) -> dict[str, int]:
    today = today or datetime.now(UTC).date()
    sync_reference_data()
    units = _units()
    counters = _counters(units)
    lineage = _lineage(units, counters)
    _users(units)
    db.session.commit()
    fields = dict(db.session.execute(sa.select(Field.code, Field.id)).all())
    versions = {iv.code: iv for iv in db.session.scalars(sa.select(InstrumentVersion))}
    instruments = {code: iv.instrument for code, iv in versions.items()}
    by_unit: dict[str, list[str]] = {}  # in the specs' order, so a re-run draws the same
    specs = {(c.unit, c.code): c for c in counter_specs()}
    for unit, code in specs:
        by_unit.setdefault(unit, []).append(code)
    stored = set(db.session.scalars(sa.select(Response.submission_key).where(
        Response.submission_key.startswith("demo-"))))
    stored_volumes = set(db.session.execute(sa.select(
        DossierVolume.unit_id, DossierVolume.field_id, DossierVolume.period)).all())

    rows, volumes = [], []
    periods = _periods(today)
    for qi, label in enumerate(periods):
        start, end = period_bounds(label)
        for point in service_points(by_unit):
            new, per_field = drafts(
                point, label, start, end, today, 0.04 * qi, instruments,
                {k: s.instrument for k, s in specs.items()},
                {k: s.field for k, s in specs.items()}, rng_seed)
            rows += [d for d in new if d.key not in stored]
            vrng = random.Random(f"{rng_seed}demo-{point.unit}-{label}-v")
            for code, n in sorted(per_field.items()):
                key = (units[point.unit], fields[code], label)
                received = n * vrng.randint(4, 20)
                if key not in stored_volumes:
                    volumes.append({"unit_id": key[0], "field_id": key[1], "period": label,
                                    "period_start": start, "period_end": end,
                                    "received": received})
    _insert_responses(rows, units, counters, fields, versions)
    for chunk in _chunks(volumes):
        db.session.execute(sa.insert(DossierVolume), chunk)
    db.session.commit()
    return {"responses_added": len(rows), "volumes_added": len(volumes),
            "lineage_added": lineage}


def _periods(today: date) -> list[str]:
    """From 2024-Q1 through the last complete reporting quarter."""
    out = [previous_period(period_label(today, "quarter"))]
    while out[-1] > FIRST_PERIOD:
        out.append(previous_period(out[-1]))
    return [p for p in reversed(out) if p >= FIRST_PERIOD]


def _chunks(rows: list) -> list[list]:
    return [rows[i:i + CHUNK] for i in range(0, len(rows), CHUNK)]


def _units() -> dict[str, int]:
    """Adds the missing units (parents first); returns code → id of every demo unit."""
    ids = dict(db.session.execute(sa.select(Unit.code, Unit.id)).all())
    for spec in unit_specs():
        if spec.code in ids:
            continue
        unit = Unit(code=spec.code, name_vi=spec.name_vi, name_en=spec.name_en, kind=spec.kind,
                    level=spec.level, parent_id=ids.get(spec.parent) if spec.parent else None,
                    admin_code=spec.admin_code, valid_from=spec.valid_from,
                    valid_to=spec.valid_to, publish_results=spec.code in PUBLISHED)
        db.session.add(unit)
        db.session.flush()
        ids[spec.code] = unit.id
    return ids


def _counters(units: dict[str, int]) -> dict[tuple[str, str], int]:
    """Adds the missing counters; those of ended units are inactive (no poster is live)."""
    ended = {s.code for s in unit_specs() if s.valid_to is not None}
    versions = dict(db.session.execute(sa.select(InstrumentVersion.code, InstrumentVersion.id)
                                       .order_by(InstrumentVersion.version)).all())
    fields = dict(db.session.execute(sa.select(Field.code, Field.id)).all())
    code_of = {v: k for k, v in units.items()}
    ids = {(code_of[u], c): i for u, c, i in db.session.execute(
        sa.select(Counter.unit_id, Counter.code, Counter.id)) if u in code_of}
    for spec in counter_specs():
        if (spec.unit, spec.code) in ids:
            continue
        counter = Counter(unit_id=units[spec.unit], code=spec.code, name_vi=spec.name_vi,
                          name_en=spec.name_en, instrument_version_id=versions[spec.instrument],
                          field_id=fields[spec.field] if spec.field else None,
                          active=spec.unit not in ended)
        db.session.add(counter)
        db.session.flush()
        ids[(spec.unit, spec.code)] = counter.id
    return ids


def _lineage(units: dict[str, int], counters: dict[tuple[str, str], int]) -> int:
    stored = set(db.session.execute(sa.select(UnitLineage.predecessor_id,
                                              UnitLineage.successor_id)).all())
    added = 0
    for spec in link_specs():
        pred, succ = units[spec.predecessor], units[spec.successor]
        if (pred, succ) in stored:
            continue
        link = UnitLineage(predecessor_id=pred, successor_id=succ, change=spec.change,
                           effective_date=spec.effective, note=spec.note,
                           counters=[LineageCounter(counter_id=counters[(spec.predecessor, c)])
                                     for c in spec.counters])
        db.session.add(link)
        added += 1
    db.session.flush()
    return added


def _users(units: dict[str, int]) -> None:
    for username, password, role, unit_code, full_name in DEMO_USERS:
        if db.session.scalar(sa.select(User).filter_by(username=username)):
            continue
        db.session.add(User(username=username, full_name=full_name, role=role,
                            unit_id=units[unit_code] if unit_code else None,
                            password_hash=generate_password_hash(password)))


def _insert_responses(rows, units, counters, fields, versions) -> None:
    """Responses in chunks (ids come back in order), then their answers and comments."""
    for chunk in _chunks(rows):
        values = [{"instrument_version_id": versions[d.instrument].id,
                   "counter_id": counters[(d.unit, d.counter)], "unit_id": units[d.unit],
                   "deciding_unit_id": units[d.deciding] if d.deciding else None,
                   "field_id": fields[d.field], "channel": d.channel,
                   "submitted_at": d.submitted_at, "locale": d.locale,
                   "submission_key": d.key, "status": d.status,
                   "status_reason": d.status_reason} for d in chunk]
        ids = db.session.scalars(
            sa.insert(Response).returning(Response.id, sort_by_parameter_order=True),
            values).all()
        answers, comments = [], []
        for rid, d in zip(ids, chunk, strict=True):
            answers += [{"response_id": rid, "item_code": code, "element_code": element,
                         "item_position": position, "value": value, "satisfied": satisfied}
                        for code, element, position, value, satisfied in d.answers]
            if d.comment:
                comments.append({"response_id": rid, "text": d.comment[0],
                                 "status": d.comment[1], "created_at": d.submitted_at})
        for part in _chunks(answers):
            db.session.execute(sa.insert(Answer), part)
        if comments:
            db.session.execute(sa.insert(Comment), comments)


def demo_summary(base_url: str) -> str:
    counter = db.session.scalar(
        sa.select(Counter).join(Unit).where(Unit.code == UNIT_USER_CENTRE, Counter.code == "MC"))
    lines = ["Demo of a FICTIONAL province (tỉnh Hòa Giang) after the 2025 reform.",
             "Demo logins (username / password):"]
    for username, password, role, unit_code, _ in DEMO_USERS:
        scope = f" ({unit_code})" if unit_code else ""
        lines.append(f"  {role:8} {username} / {password}{scope}")
    if counter:
        lines.append(f"Demo counter link: {base_url.rstrip('/')}/s/{counter.slug}")
    return "\n".join(lines)
