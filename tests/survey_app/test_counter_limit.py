"""Junk cannot close a counter to citizens (issue 11): the per-counter limit counts only
submissions whose tokens verify, each form token once; junk is paid by each client's
own budget. Clients are told apart by X-Forwarded-For behind one declared proxy."""

from __future__ import annotations

import pytest

from survey_app.extensions import db
from tests.conftest import create_schema_and_reference_data, make_app
from tests.survey_app.factories import SHORT_ANSWERS, count_responses, form_of, make_world

COUNTER_LIMIT = "120 per minute"  # the shipped default (config.DEFAULTS)


@pytest.fixture
def proxied(tmp_path):
    app = make_app(f"sqlite:///{tmp_path / 'p.sqlite3'}", PROXY_COUNT=1)
    create_schema_and_reference_data(app)
    world = make_world(app)
    app.config.update(SURVEY_RATE_LIMIT_COUNTER=COUNTER_LIMIT,
                      SURVEY_RATE_LIMIT_CLIENT="10 per minute;60 per hour")
    yield app, world
    with app.app_context():
        db.engine.dispose()


def _from(address: str) -> dict:
    return {"X-Forwarded-For": address}


def _address(i: int) -> str:
    return f"198.51.{i // 250}.{i % 250 + 1}"


def _citizen(app, slug: str, address: str = "203.0.113.77"):
    client = app.test_client()
    page = client.get(f"/s/{slug}", headers=_from(address))
    assert page.status_code == 200
    from tests.survey_app.factories import hidden
    data = {"csrf_token": hidden(page.text, "csrf_token"),
            "form_token": hidden(page.text, "form_token"), "website": "",
            **SHORT_ANSWERS, "field": "tu-phap-ho-tich"}
    return client.post(f"/s/{slug}", data=data, headers=_from(address))


def test_junk_with_bad_csrf_from_many_clients_does_not_close_the_counter(proxied):
    app, world = proxied
    junk = app.test_client()
    statuses = {junk.post(f"/s/{world.short_slug}", headers=_from(_address(i)),
                          data={"csrf_token": "forged", "form_token": "forged",
                                **SHORT_ANSWERS}).status_code for i in range(150)}
    assert statuses == {400}
    assert _citizen(app, world.short_slug).status_code == 303
    assert count_responses(app) == 1


def test_junk_with_forged_form_tokens_does_not_close_the_counter(proxied):
    """A valid session and CSRF token (one GET) but forged form tokens."""
    app, world = proxied
    junk = app.test_client()
    data = {**form_of(junk, f"/s/{world.short_slug}"), **SHORT_ANSWERS,
            "field": "tu-phap-ho-tich"}
    statuses = set()
    for i in range(150):
        data["form_token"] = f"forged-{i}"
        statuses.add(junk.post(f"/s/{world.short_slug}", data=data,
                               headers=_from(_address(i))).status_code)
    assert statuses == {400}
    assert _citizen(app, world.short_slug).status_code == 303


def test_a_replayed_token_counts_once(proxied):
    """One real form sent again and again with bad answers (a 422 each time) from many
    addresses: the counter is charged once, and a citizen still gets through."""
    app, world = proxied
    app.config["SURVEY_RATE_LIMIT_COUNTER"] = "2 per minute"
    junk = app.test_client()
    data = {**form_of(junk, f"/s/{world.short_slug}"), "q_OVERALL": "77",
            "field": "tu-phap-ho-tich"}
    statuses = {junk.post(f"/s/{world.short_slug}", data=data,
                          headers=_from(_address(i))).status_code for i in range(20)}
    assert statuses == {422}
    assert _citizen(app, world.short_slug).status_code == 303


def test_verified_submissions_still_meet_the_counter_limit(proxied):
    app, world = proxied
    app.config["SURVEY_RATE_LIMIT_COUNTER"] = "2 per minute"
    statuses = [_citizen(app, world.short_slug, _address(i)).status_code for i in range(3)]
    assert statuses == [303, 303, 429]
    assert count_responses(app) == 2


def test_junk_uses_up_the_senders_own_budget(proxied):
    app, world = proxied
    junk = app.test_client()
    statuses = [junk.post(f"/s/{world.short_slug}", data={"csrf_token": "forged"},
                          headers=_from("192.0.2.1")).status_code for _ in range(11)]
    assert statuses == [400] * 10 + [429]
    assert _citizen(app, world.short_slug, "192.0.2.2").status_code == 303
