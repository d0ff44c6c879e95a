"""A world whose instrument counts only "rất hài lòng" (5) as satisfied and calls its
overall question CHUNG: what the dashboard, the exports and the CLI must all follow
from the instrument instead of assuming SIPAS's 4–5 and "OVERALL"."""

from __future__ import annotations

import random
from datetime import UTC, datetime

import sqlalchemy as sa

from instruments import load_instrument_text
from instruments.loader import FILES_DIR
from survey_app.extensions import db
from survey_app.models import Answer, Field, InstrumentVersion, Response, Unit

PERIOD = "2026-Q2"
WHEN = datetime(2026, 4, 15, 3, 0, tzinfo=UTC)
OVERALL_CODE = "CHUNG"


def only_five_source() -> str:
    text = (FILES_DIR / "sipas-2022.v1.yaml").read_text(encoding="utf-8")
    for old, new in (("code: sipas-2022", "code: test-only5"),
                     ("satisfied: [4, 5]", "satisfied: [5]"),
                     ("- code: OVERALL", f"- code: {OVERALL_CODE}")):
        assert old in text
        text = text.replace(old, new, 1)
    return text


def add_only_five_world(app, n_respondents: int = 120, seed: int = 7) -> int:
    """Publish the test instrument and store `n_respondents` valid responses on it in
    PERIOD, spread over two units; returns the instrument version id."""
    source = only_five_source()
    inst = load_instrument_text(source, source="test-only5")
    rng = random.Random(seed)
    with app.app_context():
        iv = InstrumentVersion(code=inst.code, version=inst.version, checksum=inst.checksum,
                               source=source, status="published")
        units = [Unit(code=f"X-R{i}", name_vi=f"UBND xã Quy Tắc {i}", name_en=f"Rule {i}",
                      kind="xa", level="xa") for i in (1, 2, 3)]
        db.session.add_all([iv, *units])
        db.session.flush()
        field = db.session.scalar(sa.select(Field).filter_by(code="dat-dai"))
        for r in range(n_respondents):
            person = rng.gauss(0, 1)
            answers = []
            for item in inst.items:
                value = None if rng.random() < 0.05 else max(1, min(5, round(
                    3.6 + person + rng.gauss(0, 0.8))))
                answers.append(Answer(item_code=item.code, element_code=item.element,
                                      item_position=inst.item_position(item.code), value=value,
                                      satisfied=item.is_satisfied(value)))
            overall = inst.overall
            value = max(1, min(5, round(3.6 + person + rng.gauss(0, 0.6))))
            answers.append(Answer(item_code=overall.code, value=value,
                                  satisfied=overall.is_satisfied(value)))
            db.session.add(Response(
                instrument_version_id=iv.id, unit_id=units[r % 3].id, field_id=field.id,
                channel="counter_qr", submitted_at=WHEN, locale="vi",
                submission_key=f"only5-{r}", answers=answers))
        db.session.commit()
        return iv.id
