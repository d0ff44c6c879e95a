"""A small world for survey tests: one unit with a short-form counter, a long-form counter
with a fixed field, and helpers to fill in the real form (CSRF and all)."""

from __future__ import annotations

import re
import time
from dataclasses import dataclass

from itsdangerous.timed import TimestampSigner

from survey_app.extensions import db
from survey_app.models import Counter, Field, InstrumentVersion, Response, Unit

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
    app.config.update(SURVEY_TEST_CONFIG)
    with app.app_context():
        versions = {iv.code: iv for iv in db.session.scalars(db.select(InstrumentVersion))}
        land = db.session.scalar(db.select(Field).filter_by(code="dat-dai"))
        unit = Unit(code="X-TEST", name_vi="UBND xã Thử Nghiệm", name_en="Thu Nghiem Commune",
                    kind="xa", level="xa", publish_results=publish)
        short = Counter(unit=unit, code="MC", name_vi="Bộ phận Một cửa",
                        name_en="One-stop counter", instrument_version=versions["counter-2018"])
        long = Counter(unit=unit, code="DD", name_vi="Quầy Đất đai", name_en="Land counter",
                       instrument_version=versions["sipas-2022"], field=land)
        db.session.add_all([unit, short, long])
        db.session.commit()
        return World(unit.id, short.slug, long.slug, short.id, long.id)


SHORT_ANSWERS = {"q_TC": "4", "q_TT": "5", "q_CC": "3", "q_KQ": "na", "q_PA": "2",
                 "q_RETURNS": "1", "q_AGENCIES": "1", "q_POSTED": "1", "q_OVERALL": "3"}


def hidden(page: str, name: str) -> str:
    match = re.search(rf'name="{name}"[^>]*value="([^"]*)"', page) or re.search(
        rf'value="([^"]*)"[^>]*name="{name}"', page)
    assert match, f"no hidden field {name}"
    return match.group(1)


def form_of(client, url: str) -> dict[str, str]:
    """GET the form and return its hidden fields, as a browser would send them."""
    page = client.get(url)
    assert page.status_code == 200, page.text[:500]
    data = {"csrf_token": hidden(page.text, "csrf_token"),
            "form_token": hidden(page.text, "form_token"), "website": ""}
    if 'name="d"' in page.text:
        data["d"] = hidden(page.text, "d")
    return data


def fill_short(client, slug: str, query: str = "", **overrides) -> tuple[dict, object]:
    """GET + POST the short form with plausible answers; returns (posted data, reply)."""
    data = form_of(client, f"/s/{slug}{query}")
    data.update(SHORT_ANSWERS)
    data["field"] = "tu-phap-ho-tich"
    data["comment"] = "Cán bộ hướng dẫn nhiệt tình."
    data.update(overrides)
    data = {k: v for k, v in data.items() if v is not None}
    return data, client.post(f"/s/{slug}", data=data)


def count_responses(app) -> int:
    with app.app_context():
        return db.session.scalar(db.select(db.func.count(Response.id)))


def count_rows(app) -> dict[str, int]:
    from survey_app.models import Answer, Comment

    with app.app_context():
        return {m.__name__: db.session.scalar(db.select(db.func.count()).select_from(m))
                for m in (Response, Answer, Comment)}


def issued_ago(seconds: float, issue, *args):
    """Call a token-issuing function as if `seconds` ago (verification keeps the real clock)."""
    original = TimestampSigner.get_timestamp
    TimestampSigner.get_timestamp = lambda _self: int(time.time() - seconds)
    try:
        return issue(*args)
    finally:
        TimestampSigner.get_timestamp = original
