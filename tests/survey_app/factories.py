"""Helpers of the survey tests: fill in the real form (CSRF and all), count what is stored.

The survey world itself (`make_world`) is built in tests/factories.py with the other
test worlds; it is re-exported here for the tests that import it from this module."""

from __future__ import annotations

import re
import time

from itsdangerous.timed import TimestampSigner

from survey_app.extensions import db
from survey_app.models import Response
from tests.factories import SURVEY_TEST_CONFIG, World, make_world

__all__ = ["SHORT_ANSWERS", "SURVEY_TEST_CONFIG", "World", "count_responses", "count_rows",
           "fill_short", "form_of", "hidden", "issued_ago", "make_world"]

SHORT_ANSWERS = {"q_TC": "4", "q_TT": "5", "q_CC": "3", "q_KQ": "na", "q_PA": "2",
                 "q_RETURNS": "1", "q_AGENCIES": "1", "q_POSTED": "1", "q_OVERALL": "3"}


def hidden(page: str, name: str) -> str:
    match = re.search(rf'name="{name}"[^>]*value="([^"]*)"', page) or re.search(
        rf'value="([^"]*)"[^>]*name="{name}"', page)
    assert match, f"no hidden field {name}"
    return match.group(1)


def form_of(client, url: str) -> dict[str, str]:
    """GET the form and return its hidden fields, as a browser would send them (a receipt
    link answers with a redirect to the clean URL, which a browser follows)."""
    page = client.get(url, follow_redirects=True)
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
