"""The demo's responses, volumes and comments, generated as plain rows for bulk inserts.

Each service point (a unit with counters) receives responses in each reporting quarter
of its life: the old units until 2025-07-01 (the departments until 2025-03-01), today's
from then on. Scores vary realistically: some units above 95%, some below 85%, land and
construction lower than civil status, feedback handling the weakest element, a few
units with very few responses, and a respondent effect so one person's answers move
together. From 2025-07-01 a response also names its deciding agency (NĐ 118/2025): a
commune's land or construction dossier is often decided by a department, a branch's by
a commune.

Every row is keyed by a deterministic submission key and drawn from a generator seeded
by that key, so a re-run produces the same rows and the caller skips the stored ones.
"""

from __future__ import annotations

import math
import random
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta

from instruments import Instrument
from survey_app.seed.demo_structure import (
    COMMUNES,
    DEPARTMENTS_MERGED,
    OLD_COMMUNES,
    REFORM,
    centre_code,
    point_code,
)

# Field effects on the logit scale: land and construction are hardest to please.
FIELD_EFFECT = {"dat-dai": -0.9, "xay-dung": -0.6, "dau-tu": -0.3, "tu-phap-ho-tich": 0.4,
                "chung-thuc": 0.6, "lao-dong": 0.1, "kinh-doanh": 0.0, "y-te": -0.2,
                "giao-duc": 0.1, "lao-dong-viec-lam": 0.1, "nguoi-co-cong": 0.3,
                "bao-tro-xa-hoi": 0.3, "duong-bo": -0.3, "moi-truong": -0.4,
                "trong-trot": 0.0, "cu-tru": 0.5, "thue": -0.2, "giao-thong": -0.3,
                "tai-nguyen-moi-truong": -0.5}
ELEMENT_EFFECT = {"TC": 0.3, "TT": 0.0, "CC": 0.2, "KQ": 0.1, "PA": -0.7}
# Fields that ended with the departments' merger, and the field that took their place.
SUCCESSOR_FIELD = {"lao-dong": "lao-dong-viec-lam", "giao-thong": "duong-bo",
                   "tai-nguyen-moi-truong": "moi-truong", "nong-nghiep": "trong-trot"}
PREDECESSOR_FIELD = {new: old for old, new in SUCCESSOR_FIELD.items()}

OLD_COMMUNE_MIX = {"tu-phap-ho-tich": 0.35, "chung-thuc": 0.25, "dat-dai": 0.2,
                   "lao-dong": 0.12, "xay-dung": 0.08}
COMMUNE_MIX = {"tu-phap-ho-tich": 0.30, "chung-thuc": 0.22, "dat-dai": 0.2,
               "bao-tro-xa-hoi": 0.08, "lao-dong-viec-lam": 0.06, "xay-dung": 0.08,
               "nguoi-co-cong": 0.06}
COUNTER_MIX = {  # (unit, counter) → fields, for counters that serve several fields
    ("H-XH", "Q3"): {"dau-tu": 0.5, "kinh-doanh": 0.5},
    ("H-XH", "Q4"): {"tu-phap-ho-tich": 0.4, "chung-thuc": 0.3, "lao-dong": 0.3},
    ("S-KHDT", "DK"): {"kinh-doanh": 0.7, "dau-tu": 0.3},
    ("S-TNMT", "MC"): {"dat-dai": 0.6, "tai-nguyen-moi-truong": 0.4},
    ("HCC-T", "TC"): {"kinh-doanh": 0.6, "dau-tu": 0.4},
    ("HCC-T", "NM"): {"dat-dai": 0.6, "moi-truong": 0.25, "trong-trot": 0.15},
    ("HCC-T", "XD"): {"xay-dung": 0.7, "duong-bo": 0.3},
    ("HCC-T", "NV"): {"lao-dong-viec-lam": 0.6, "nguoi-co-cong": 0.4},
    ("HCC-T", "YT"): {"y-te": 0.6, "giao-duc": 0.4},
    ("HCC-CN-XH", "Q3"): {"dau-tu": 0.4, "kinh-doanh": 0.6},
}
# Today's deciding agency of a province-level dossier, by field.
DEPARTMENT_OF = {"dau-tu": "S-TC", "kinh-doanh": "S-TC", "dat-dai": "S-NNMT",
                 "moi-truong": "S-NNMT", "trong-trot": "S-NNMT", "xay-dung": "S-XD",
                 "duong-bo": "S-XD", "lao-dong-viec-lam": "S-NV", "nguoi-co-cong": "S-NV",
                 "tu-phap-ho-tich": "S-TP", "y-te": "S-YT", "giao-duc": "S-GDDT",
                 "cu-tru": "CA-HG", "thue": "THUE-HG"}
# A commune's dossier in these fields is decided by a department this often (else by the
# commune itself).
DECIDED_BY_DEPARTMENT = {"dat-dai": 0.35, "xay-dung": 0.4, "lao-dong-viec-lam": 1.0,
                         "nguoi-co-cong": 0.5}
BRANCH_COMMUNES = ("C-XHO", "C-XAN", "C-TLO", "C-MCA", "C-HTH")

COMMENTS = [
    "Cán bộ hướng dẫn nhiệt tình, dễ hiểu.",
    "Thời gian chờ lâu, nên có thêm ghế ngồi.",
    "Hồ sơ đất đai trả chậm so với giấy hẹn.",
    "Nên có thêm hướng dẫn nộp hồ sơ trực tuyến.",
    "Rất hài lòng, cảm ơn các anh chị.",
    "Bãi gửi xe chật, trời mưa bất tiện.",
    "Phải đi lại nhiều lần để bổ sung giấy tờ.",
    "Nộp hồ sơ ở xã nhưng phải chờ Sở trả kết quả, không biết hỏi ai.",
]


@dataclass
class ServicePoint:
    """A receiving unit with counters, its level of satisfaction and its volume."""

    unit: str
    base: float
    per_quarter: float
    start: date | None = None  # first day it receives (None: before the demo's first day)
    end: date | None = None    # first day it no longer receives
    counters: list[str] = field(default_factory=list)
    decide: Callable[[random.Random, str], str | None] = lambda _rng, _field: None
    mix: dict[str, float] = field(default_factory=dict)  # fields of counters without one


def _commune_decides(commune: str) -> Callable[[random.Random, str], str | None]:
    def decide(rng: random.Random, field_code: str) -> str | None:
        if rng.random() < DECIDED_BY_DEPARTMENT.get(field_code, 0.0):
            return DEPARTMENT_OF[field_code]
        return commune
    return decide


def _department_decides(_rng: random.Random, field_code: str) -> str | None:
    return DEPARTMENT_OF.get(field_code)


def _branch_decides(rng: random.Random, field_code: str) -> str | None:
    if field_code in ("dat-dai", "xay-dung") and rng.random() < 0.5:
        return rng.choice(BRANCH_COMMUNES)  # received at the branch, decided by a commune
    return DEPARTMENT_OF.get(field_code)


def service_points(counters: dict[str, list[str]]) -> list[ServicePoint]:
    """`counters`: unit code → its counter codes (from the structure)."""
    old = [ServicePoint("H-XH", 2.3, 160, end=REFORM),
           ServicePoint("P-TP", 3.2, 30, end=REFORM),
           ServicePoint("P-LDTBXH", 1.7, 20, end=REFORM),
           ServicePoint("SN-TTYT", 1.5, 25, end=REFORM),
           ServicePoint("S-KHDT", 2.5, 35, end=DEPARTMENTS_MERGED),
           ServicePoint("S-TNMT", 1.4, 30, end=DEPARTMENTS_MERGED),
           ServicePoint("S-LDTBXH", 2.0, 20, end=DEPARTMENTS_MERGED)]
    old += [ServicePoint(code, base, n, end=REFORM, mix=OLD_COMMUNE_MIX)
            for code, _name, base, n in OLD_COMMUNES]
    new = [ServicePoint("HCC-T", 2.6, 90, start=DEPARTMENTS_MERGED, decide=_department_decides),
           ServicePoint("HCC-CN-XH", 2.1, 70, start=REFORM, decide=_branch_decides),
           ServicePoint("TTYT-XH", 1.9, 25, start=REFORM, decide=_department_decides)]
    for c in COMMUNES:
        decide = _commune_decides(c.code)
        new.append(ServicePoint(centre_code(c.code), c.base, c.per_quarter, start=REFORM,
                                decide=decide, mix=COMMUNE_MIX))
        new += [ServicePoint(point_code(c.code, j), base, n, start=REFORM, decide=decide,
                             mix=COMMUNE_MIX)
                for j, (_place, base, n) in enumerate(c.points, 1)]
    for point in old + new:
        point.counters = counters[point.unit]
    return old + new


def poisson(rng: random.Random, mean: float) -> int:
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


def field_on(code: str, day: date) -> str:
    """The catalogue's field for `code` on `day`: the ended fields before 2025-03-01,
    the fields that replaced them from then on."""
    if day >= DEPARTMENTS_MERGED:
        return SUCCESSOR_FIELD.get(code, code)
    return PREDECESSOR_FIELD.get(code, code)


@dataclass
class Draft:
    """One response as plain values (ids are filled in by the caller)."""

    key: str
    unit: str
    counter: str
    field: str
    instrument: str
    deciding: str | None
    submitted_at: datetime
    channel: str
    locale: str
    status: str
    status_reason: str | None
    answers: list[tuple[str, str | None, int | None, int | None, bool | None]]
    comment: tuple[str, str] | None  # text, status


def drafts(point: ServicePoint, label: str, start: date, end: date, today: date,
           trend: float, instruments: dict[str, Instrument],
           counter_instrument: dict[tuple[str, str], str],
           counter_field: dict[tuple[str, str], str | None],
           seed: int) -> tuple[list[Draft], dict[str, int]]:
    """The responses of `point` in the period [start, end] (inclusive), and the number of
    responses per field (for the dossier volumes)."""
    first = max(start, point.start or start)
    last = min(end, (point.end or end + timedelta(days=1)) - timedelta(days=1),
               today - timedelta(days=1))
    if last < first:
        return [], {}
    share = ((last - first).days + 1) / ((end - start).days + 1)
    prefix = f"demo-{point.unit}-{label}-"
    n = poisson(random.Random(f"{seed}{prefix}n"), point.per_quarter * share)
    out, per_field = [], {}
    for k in range(n):
        key = f"{prefix}{k}"
        rng = random.Random(f"{seed}{key}")
        counter = rng.choice(point.counters)
        when = datetime.combine(first, datetime.min.time(), UTC) + timedelta(
            seconds=rng.uniform(0, ((last - first).days + 1) * 86400 - 1))
        fixed = counter_field[(point.unit, counter)]
        mix = COUNTER_MIX.get((point.unit, counter), point.mix)
        code = fixed or rng.choices(list(mix), list(mix.values()))[0]
        code = field_on(code, when.date())
        per_field[code] = per_field.get(code, 0) + 1
        inst = instruments[counter_instrument[(point.unit, counter)]]
        out.append(_draft(rng, key, point, counter, code, inst, when, point.base + trend))
    return out, per_field


def _draft(rng, key, point, counter, field_code, inst: Instrument, when, base) -> Draft:
    person = rng.gauss(0, 0.9)  # respondent effect: one person's answers move together
    field_eff = FIELD_EFFECT.get(field_code, 0.0)
    logits, answers = [], []
    for item in inst.items:
        position = inst.item_position(item.code)
        if item.not_applicable and rng.random() < (0.45 if item.element == "PA" else 0.12):
            answers.append((item.code, item.element, position, None, None))
            continue
        logit = base + field_eff + ELEMENT_EFFECT[item.element] + person + rng.gauss(0, 0.5)
        logits.append(logit)
        value = likert(rng, logit)
        answers.append((item.code, item.element, position, value, item.is_satisfied(value)))
    mean_logit = sum(logits) / len(logits) if logits else base
    answers += list(_other_answers(rng, inst, mean_logit, base))
    status, reason = "valid", None
    if rng.random() < 0.01:
        status, reason = "flagged", "demo: submitted in under 5 seconds"
    channel = "counter_qr" if rng.random() < 0.8 else "receipt_qr"
    locale = "vi" if rng.random() < 0.97 else "en"
    comment = None
    if rng.random() < 0.08:
        comment = (rng.choice(COMMENTS), rng.choice(["pending", "approved", "approved"]))
    deciding = point.decide(rng, field_code) if when.date() >= REFORM else None
    return Draft(key, point.unit, counter, field_code, inst.code, deciding, when, channel,
                 locale, status, reason, answers, comment)


def _other_answers(rng, inst: Instrument, mean_logit: float, base: float) -> Iterator[tuple]:
    for q in inst.questions:
        if q.is_item:
            continue
        if q.section == "overall":
            value = likert(rng, mean_logit + rng.gauss(0, 0.4))
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
        yield (q.code, None, None, value, q.is_satisfied(value))


def likert(rng: random.Random, logit: float) -> int:
    p = 1 / (1 + math.exp(-logit))
    if rng.random() < p:
        return 5 if rng.random() < 0.35 + 0.1 * (p > 0.9) else 4
    return rng.choices([1, 2, 3], [0.1, 0.3, 0.6])[0]
