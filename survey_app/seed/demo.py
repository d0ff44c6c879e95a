"""`flask --app survey_app seed-demo`: a realistic demo district, idempotent.

One huyện (Xuân Hòa, fictional) with 12 xã/thị trấn, 5 phòng and a health centre;
counters using both shipped instruments; dossier volumes; demo users for each role;
about 3,500 responses over the last four reporting quarters and the current one.
Scores vary realistically: some units above 95%, some below 85%, land lower than
civil status, feedback handling the weakest element, a few units with very few
responses, and a respondent effect so a person's answers are correlated.

Everything is keyed (unit/counter codes, usernames, deterministic submission keys),
so running it again adds nothing.
"""

from __future__ import annotations

import math
import random
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta

from werkzeug.security import generate_password_hash

from analysis.periods import period_bounds, period_label
from instruments import Instrument
from survey_app.extensions import db
from survey_app.models import (
    Answer,
    Comment,
    Counter,
    DossierVolume,
    Field,
    InstrumentVersion,
    Response,
    Unit,
    User,
)
from survey_app.seed.reference import sync_reference_data

ROOT = ("H-XH", "UBND huyện Xuân Hòa", "Xuan Hoa District People's Committee", "huyen", "huyen")
COMMUNES = [
    # code, name, base logit of satisfaction, responses per quarter (mean)
    ("X-TT", "UBND thị trấn Xuân Hòa", 2.9, 70),
    ("X-AN", "UBND xã Xuân An", 3.4, 55),
    ("X-BI", "UBND xã Xuân Bình", 1.3, 60),
    ("X-PH", "UBND xã Xuân Phú", 2.2, 45),
    ("X-TH", "UBND xã Xuân Thành", 1.6, 50),
    ("X-HG", "UBND xã Xuân Hưng", 2.6, 40),
    ("X-TR", "UBND xã Xuân Trường", 3.1, 35),
    ("X-LO", "UBND xã Xuân Lộc", 1.9, 45),
    ("X-SO", "UBND xã Suối Cát", 2.4, 30),
    ("X-BT", "UBND xã Bảo Thành", 1.1, 25),
    ("X-LA", "UBND xã Lang Minh", 2.0, 3),   # very few responses
    ("X-SC", "UBND xã Sông Cầu", 2.8, 2),    # very few responses
]
OFFICES = [
    ("P-TNMT", "Phòng Tài nguyên và Môi trường", "so_phong"),
    ("P-KTHT", "Phòng Kinh tế – Hạ tầng", "so_phong"),
    ("P-TP", "Phòng Tư pháp", "so_phong"),
    ("P-LDTBXH", "Phòng Lao động – Thương binh và Xã hội", "so_phong"),
    ("P-TCKH", "Phòng Tài chính – Kế hoạch", "so_phong"),
]
HEALTH = ("SN-TTYT", "Trung tâm Y tế huyện Xuân Hòa")

# Field effects on the logit scale: land and construction are hardest to please.
FIELD_EFFECT = {"dat-dai": -0.9, "xay-dung": -0.6, "dau-tu": -0.3, "tu-phap-ho-tich": 0.4,
                "chung-thuc": 0.6, "lao-dong": 0.1, "kinh-doanh": 0.0, "y-te": -0.2}
ELEMENT_EFFECT = {"TC": 0.3, "TT": 0.0, "CC": 0.2, "KQ": 0.1, "PA": -0.7}
COMMUNE_FIELDS = ["tu-phap-ho-tich", "chung-thuc", "dat-dai", "lao-dong", "xay-dung"]
COMMUNE_FIELD_WEIGHTS = [0.35, 0.25, 0.2, 0.12, 0.08]
HUYEN_COUNTERS = [
    ("Q1", "Quầy 1 – Đất đai", "Counter 1 – Land", "dat-dai", "sipas-2022"),
    ("Q2", "Quầy 2 – Xây dựng", "Counter 2 – Construction", "xay-dung", "sipas-2022"),
    ("Q3", "Quầy 3 – Đầu tư, kinh doanh", "Counter 3 – Investment, business", None,
     "counter-2018"),
    ("Q4", "Quầy 4 – Tư pháp, lao động", "Counter 4 – Justice, labour", None, "counter-2018"),
]
COMMENTS = [
    "Cán bộ hướng dẫn nhiệt tình, dễ hiểu.",
    "Thời gian chờ lâu, nên có thêm ghế ngồi.",
    "Hồ sơ đất đai trả chậm so với giấy hẹn.",
    "Nên có thêm hướng dẫn nộp hồ sơ trực tuyến.",
    "Rất hài lòng, cảm ơn các anh chị.",
    "Bãi gửi xe chật, trời mưa bất tiện.",
    "Phải đi lại nhiều lần để bổ sung giấy tờ.",
]

DEMO_USERS = [
    # username, password, role, unit code, full name
    ("admin", "demo-admin", "admin", None, "Quản trị Phòng Nội vụ"),
    ("phantich", "demo-analyst", "analyst", None, "Chuyên viên Phòng Nội vụ"),
    ("xuanan", "demo-unit", "unit", "X-AN", "Cán bộ UBND xã Xuân An"),
    ("tnmt", "demo-unit", "unit", "P-TNMT", "Cán bộ Phòng TN&MT"),
]


@dataclass
class _UnitPlan:
    unit: Unit
    base: float
    per_quarter: float
    counters: list[Counter]


def seed_demo(today: date | None = None, rng_seed: int = 2025) -> dict[str, int]:
    today = today or datetime.now(UTC).date()
    sync_reference_data()
    fields = {f.code: f for f in db.session.scalars(db.select(Field))}
    instruments = {
        iv.code: iv for iv in db.session.scalars(db.select(InstrumentVersion))
    }
    plans = _units_and_counters(fields, instruments)
    _users()
    db.session.commit()

    current = period_label(today, "quarter")  # e.g. 2026-Q4 (CCHC quarters cut on the 10th)
    year, q = int(current[:4]), int(current[-1])
    quarters = []
    for _ in range(5):  # the current quarter (partly over) and the four before it
        quarters.append((year, q))
        year, q = (year, q - 1) if q > 1 else (year - 1, 4)
    quarters.reverse()

    created = 0
    volumes = 0
    for qi, (yr, qt) in enumerate(quarters):
        start, end = period_bounds(f"{yr}-Q{qt}")
        last_day = min(end, today - timedelta(days=1))
        share = max(0.0, ((last_day - start).days + 1) / ((end - start).days + 1))
        trend = 0.08 * qi  # slow improvement over the year
        for plan in plans:
            # Each response draws from its own generator, seeded by its key, so a
            # re-run regenerates exactly the same responses and skips the stored ones.
            prefix = f"demo-{plan.unit.code}-{yr}Q{qt}-"
            n = _poisson(random.Random(f"{rng_seed}{prefix}n"), plan.per_quarter * share)
            stored = set(db.session.scalars(
                db.select(Response.submission_key).where(
                    Response.submission_key.startswith(prefix, autoescape=True))))
            per_field: dict[str, int] = {}
            for k in range(n):
                key = f"{prefix}{k}"
                rng = random.Random(f"{rng_seed}{key}")
                counter = rng.choice(plan.counters)
                field_code = counter.field.code if counter.field else rng.choices(
                    COMMUNE_FIELDS if plan.unit.kind == "xa" else list(FIELD_EFFECT),
                    COMMUNE_FIELD_WEIGHTS if plan.unit.kind == "xa" else None,
                )[0]
                per_field[field_code] = per_field.get(field_code, 0) + 1
                if key in stored:
                    continue
                when = datetime.combine(start, datetime.min.time(), UTC) + timedelta(
                    seconds=rng.uniform(0, ((last_day - start).days + 1) * 86400 - 1)
                )
                _response(rng, key, plan, counter, fields[field_code],
                          instruments[counter.instrument_version.code], when, plan.base + trend)
                created += 1
            volumes += _volumes(random.Random(f"{rng_seed}{prefix}v"), plan.unit, fields,
                                per_field, yr, qt, start, end)
        db.session.commit()
    return {"responses_added": created, "volumes_added": volumes}


def _poisson(rng: random.Random, mean: float) -> int:
    # Knuth for small means, normal approximation for large ones.
    if mean <= 0:
        return 0
    if mean > 30:
        return max(0, round(rng.gauss(mean, math.sqrt(mean))))
    limit, k, p = math.exp(-mean), 0, 1.0
    while True:
        p *= rng.random()
        if p <= limit:
            return k
        k += 1


def _get_or_add_unit(code, name_vi, name_en, kind, level, parent) -> Unit:
    unit = db.session.scalar(db.select(Unit).filter_by(code=code))
    if unit is None:
        unit = Unit(code=code, name_vi=name_vi, name_en=name_en, kind=kind, level=level,
                    parent=parent, publish_results=code in {"H-XH", "X-AN"})
        db.session.add(unit)
        db.session.flush()
    return unit


def _get_or_add_counter(unit, code, name_vi, name_en, instrument, field) -> Counter:
    counter = db.session.scalar(db.select(Counter).filter_by(unit_id=unit.id, code=code))
    if counter is None:
        counter = Counter(unit=unit, code=code, name_vi=name_vi, name_en=name_en,
                          instrument_version=instrument, field=field)
        db.session.add(counter)
        db.session.flush()
    return counter


def _units_and_counters(fields, instruments) -> list[_UnitPlan]:
    sipas, short = instruments["sipas-2022"], instruments["counter-2018"]
    root = _get_or_add_unit(*ROOT, parent=None)
    plans = [_UnitPlan(root, 2.3, 260, [
        _get_or_add_counter(root, code, vi, en, instruments[inst],
                            fields[fcode] if fcode else None)
        for code, vi, en, fcode, inst in HUYEN_COUNTERS
    ])]
    for code, name, base, per_quarter in COMMUNES:
        unit = _get_or_add_unit(code, name, None, "xa", "xa", root)
        counters = [_get_or_add_counter(unit, "MC", "Bộ phận Một cửa", "One-stop counter",
                                        short, None)]
        if per_quarter >= 50:
            counters.append(_get_or_add_counter(unit, "HT", "Quầy Hộ tịch – Chứng thực",
                                                "Civil status counter", sipas,
                                                fields["tu-phap-ho-tich"]))
        plans.append(_UnitPlan(unit, base, per_quarter, counters))
    for code, name, _kind in OFFICES:
        unit = _get_or_add_unit(code, name, None, "phong", "huyen", root)
        if code == "P-TP":
            counters = [_get_or_add_counter(unit, "CT", "Quầy Chứng thực", "Certification",
                                            short, fields["chung-thuc"])]
            plans.append(_UnitPlan(unit, 3.2, 40, counters))
        elif code == "P-LDTBXH":
            counters = [_get_or_add_counter(unit, "LD", "Quầy Lao động – Xã hội",
                                            "Labour counter", short, fields["lao-dong"])]
            plans.append(_UnitPlan(unit, 1.7, 30, counters))
    code, name = HEALTH
    unit = _get_or_add_unit(code, name, "Xuan Hoa District Health Centre", "su_nghiep",
                            "huyen", root)
    plans.append(_UnitPlan(unit, 1.5, 30, [
        _get_or_add_counter(unit, "TN", "Quầy Tiếp nhận", "Reception", short, fields["y-te"])
    ]))
    return plans


def _users() -> None:
    for username, password, role, unit_code, full_name in DEMO_USERS:
        if db.session.scalar(db.select(User).filter_by(username=username)):
            continue
        unit = db.session.scalar(db.select(Unit).filter_by(code=unit_code)) if unit_code else None
        db.session.add(User(username=username, full_name=full_name, role=role, unit=unit,
                            password_hash=generate_password_hash(password)))


def _response(rng, key, plan, counter, field, iv: InstrumentVersion, when, base) -> None:
    inst: Instrument = iv.instrument
    person = rng.gauss(0, 0.9)  # respondent effect: one person's answers move together
    field_eff = FIELD_EFFECT.get(field.code, 0.0)
    logits = []
    answers = []
    for item in inst.items:
        if item.not_applicable and rng.random() < (0.45 if item.element == "PA" else 0.12):
            answers.append(Answer(item_code=item.code, element_code=item.element,
                                  item_position=inst.item_position(item.code), value=None))
            continue
        logit = base + field_eff + ELEMENT_EFFECT[item.element] + person + rng.gauss(0, 0.5)
        logits.append(logit)
        value = _likert(rng, logit)
        answers.append(Answer(item_code=item.code, element_code=item.element,
                              item_position=inst.item_position(item.code), value=value,
                              satisfied=item.is_satisfied(value)))
    mean_logit = sum(logits) / len(logits) if logits else base
    for q in inst.questions:
        if q.is_item:
            continue
        if q.section == "overall":
            value = _likert(rng, mean_logit + rng.gauss(0, 0.4))
            if len(q.scale.options) == 3:  # TT 01/2018 three-level rating
                value = 1 if value <= 3 else (2 if value == 4 else 3)
        elif q.section == "demographics" and rng.random() < 0.35:
            continue  # optional, often skipped
        elif q.section == "priority" and rng.random() < 0.3:
            continue
        else:
            value = rng.choice(sorted(q.scale.values))
            if q.code == "HARASS":
                value = 1 if rng.random() < 0.9 else rng.choice([2, 3])
            elif q.code == "RETURNS":
                value = 1 if rng.random() < 0.75 + 0.04 * base else rng.choice([2, 3])
        answers.append(Answer(item_code=q.code, value=value, satisfied=q.is_satisfied(value)))
    status, reason = "valid", None
    if rng.random() < 0.01:
        status, reason = "flagged", "demo: submitted in under 5 seconds"
    response = Response(
        instrument_version_id=iv.id, counter=counter, unit_id=plan.unit.id, field_id=field.id,
        channel="counter_qr" if rng.random() < 0.8 else "receipt_qr", submitted_at=when,
        locale="vi" if rng.random() < 0.97 else "en", submission_key=key, status=status,
        status_reason=reason, answers=answers,
    )
    if rng.random() < 0.08:
        response.comment = Comment(text=rng.choice(COMMENTS), created_at=when,
                                   status=rng.choice(["pending", "approved", "approved"]))
    db.session.add(response)


def _likert(rng: random.Random, logit: float) -> int:
    p = 1 / (1 + math.exp(-logit))
    if rng.random() < p:
        return 5 if rng.random() < 0.35 + 0.1 * (p > 0.9) else 4
    return rng.choices([1, 2, 3], [0.1, 0.3, 0.6])[0]


def _volumes(rng, unit, fields, per_field, yr, qt, start, end) -> int:
    added = 0
    label = f"{yr}-Q{qt}"
    for code, n in per_field.items():
        field = fields[code]
        exists = db.session.scalar(db.select(DossierVolume.id).filter_by(
            unit_id=unit.id, field_id=field.id, period=label))
        if exists:
            continue
        db.session.add(DossierVolume(unit_id=unit.id, field_id=field.id, period=label,
                                     period_start=start, period_end=end,
                                     received=n * rng.randint(4, 20)))
        added += 1
    return added


def demo_summary(base_url: str) -> str:
    counter = db.session.scalar(
        db.select(Counter).join(Unit).where(Unit.code == "X-AN", Counter.code == "MC")
    )
    lines = ["Demo logins (username / password):"]
    for username, password, role, unit_code, _ in DEMO_USERS:
        scope = f" ({unit_code})" if unit_code else ""
        lines.append(f"  {role:8} {username} / {password}{scope}")
    if counter:
        lines.append(f"Demo counter link: {base_url.rstrip('/')}/s/{counter.slug}")
    return "\n".join(lines)
