"""POST /s/<slug> under hostile input: every reply is a 2xx/3xx or a clear 4xx, and a
refused submission stores nothing (responses, answers, comments and every other table).

The bodies start from what a real browser sends (the hidden fields of a GET of the form,
so the CSRF and one-time form tokens are genuine) or from nothing, then hypothesis
replaces, adds and drops fields with malicious names and values, bad UTF-8 bytes, NUL,
huge values, wrong content types and odd headers.
"""

from __future__ import annotations

import pytest
from hypothesis import currently_in_test_context, event, given
from hypothesis import strategies as st

from tests.hostile.conftest import FUZZ, form_body, nasty_text, table_counts
from tests.survey_app.factories import SHORT_ANSWERS, form_of, make_world

pytestmark = pytest.mark.slow  # hypothesis: many submissions per test

HOSTILE_CONFIG = {
    # Thousands of posts from one test client: keep the limiter in the path, out of the way.
    "SURVEY_RATE_LIMIT_CLIENT": "100000 per minute",
    "SURVEY_RATE_LIMIT_COUNTER": "100000 per minute",
}
QUESTION_CODES = [k[2:] for k in SHORT_ANSWERS]
KNOWN_NAMES = ["csrf_token", "form_token", "d", "website", "field", "comment",
               *SHORT_ANSWERS]

field_names = st.one_of(
    st.sampled_from(KNOWN_NAMES),
    st.sampled_from(QUESTION_CODES).map(lambda c: "q_" + c.lower()),
    nasty_text.map(lambda t: "q_" + t),
    nasty_text,
)
raw_bytes = st.one_of(
    st.binary(max_size=24),
    st.sampled_from([b"\xff\xfe", b"caf\xc3", b"\xed\xa0\x80", b"\xc0\xaf", b"a\x00b",
                     b"\xf4\x90\x80\x80", b"\xef\xbf\xbf"]),
)
values = st.one_of(st.sampled_from(["1", "2", "3", "4", "5", "na", ""]), nasty_text, raw_bytes)
edits = st.lists(st.tuples(st.one_of(field_names, raw_bytes), values), max_size=6)
mostly = st.sampled_from([True, True, True, False])  # a genuine form is the interesting start
content_types = st.sampled_from([
    "application/x-www-form-urlencoded",
    "application/x-www-form-urlencoded; charset=latin-1",
    "application/x-www-form-urlencoded; charset=utf-16",
    "multipart/form-data; boundary=xyz",
    "multipart/form-data",
    "application/json",
    "text/plain",
    "text/xml",
    "",
])
odd_headers = st.dictionaries(
    st.sampled_from(["X-Forwarded-For", "X-Real-IP", "Accept-Language", "Accept", "Referer",
                     "User-Agent", "Origin", "X-CSRFToken", "X-Requested-With", "Cookie",
                     "Transfer-Encoding", "Content-Encoding"]),
    st.one_of(st.sampled_from(["*", "127.0.0.1, 10.0.0.1", "gzip", "chunked", "en;q=x",
                               "application/json", "session=garbage", "../..", "'; --",
                               "<script>"]),
              st.text(st.characters(min_codepoint=32, max_codepoint=126), max_size=30)),
    max_size=3,
)


@pytest.fixture
def survey(app):
    world = make_world(app)
    app.config.update(HOSTILE_CONFIG)
    return world


@pytest.fixture
def any_survey(any_app):
    """The same world on SQLite and on PostgreSQL (which refuses NUL and big integers)."""
    world = make_world(any_app)
    any_app.config.update(HOSTILE_CONFIG)
    return world


def check_outcome(app, before: dict, reply) -> None:
    if currently_in_test_context():  # pytest --hypothesis-show-statistics: the mix
        event(f"HTTP {reply.status_code}")
    assert reply.status_code < 500, reply.get_data()[:300]
    after = table_counts(app)
    if reply.status_code >= 400:
        assert after == before, f"refused with {reply.status_code} but stored something"
    elif reply.status_code == 303:  # stored: exactly one response, nothing elsewhere
        assert after["responses"] == before["responses"] + 1
        assert after["audit_log"] == before["audit_log"]
        assert after["units"] == before["units"] and after["users"] == before["users"]


@FUZZ
@given(with_tokens=mostly, start_valid=mostly, changes=edits,
       drop=st.sets(st.sampled_from(KNOWN_NAMES), max_size=3))
def test_random_form_bodies(any_app, any_survey, with_tokens, start_valid, changes, drop):
    app, survey = any_app, any_survey
    client = app.test_client()
    url = f"/s/{survey.short_slug}"
    pairs: list[tuple[object, object]] = []
    if with_tokens:
        pairs += form_of(client, url).items()
    if start_valid:
        pairs += [*SHORT_ANSWERS.items(), ("field", "dat-dai"), ("comment", "Tốt")]
    pairs = [(k, v) for k, v in pairs if k not in drop] + list(changes)
    before = table_counts(app)
    reply = client.post(url, data=form_body(pairs),
                        content_type="application/x-www-form-urlencoded")
    check_outcome(app, before, reply)
    if reply.status_code == 303:
        assert reply.headers["Location"].endswith(f"/s/{survey.short_slug}/cam-on")


@FUZZ
@given(changes=edits, content_type=content_types, headers=odd_headers,
       as_multipart=st.booleans())
def test_wrong_content_types_and_odd_headers(app, survey, changes, content_type, headers,
                                             as_multipart):
    client = app.test_client()
    url = f"/s/{survey.long_slug}"
    hidden = form_of(client, url)
    pairs = [*hidden.items(), ("q_OVERALL", "4"), *changes]
    before = table_counts(app)
    if as_multipart:  # a real multipart body, with str fields only (bytes become files)
        data = {str(k): (v if isinstance(v, str) else v.decode("latin-1"))
                for k, v in pairs if isinstance(k, str)}
        reply = client.post(url, data=data, content_type="multipart/form-data",
                            headers=headers)
    else:
        reply = client.post(url, data=form_body(pairs), content_type=content_type or None,
                            headers=headers)
    check_outcome(app, before, reply)


@FUZZ
@given(slug=st.one_of(nasty_text, st.sampled_from(["", ".", "..", "%2e%2e", "a/b", "%00"])),
       d=st.one_of(st.none(), nasty_text))
def test_random_slugs_and_receipt_tokens(any_app, any_survey, slug, d):
    app, survey = any_app, any_survey
    client = app.test_client()
    hidden = form_of(client, f"/s/{survey.short_slug}")
    path = "/s/" + form_body([(slug, "")]).decode()[:-1]  # the slug, percent-encoded
    query = f"?d={form_body([(d, '')]).decode()[:-1]}" if d is not None else ""
    before = table_counts(app)
    assert client.get(path + query).status_code < 500
    reply = client.post(path, data={**hidden, **SHORT_ANSWERS, "field": "dat-dai",
                                    **({"d": d} if d is not None else {})})
    check_outcome(app, before, reply)


@pytest.mark.parametrize("payload", ["<script>alert(1)</script>",
                                     '"><img src=x onerror=alert(1)>'])
def test_markup_in_a_refused_form_comes_back_escaped(app, survey, payload):
    """The 422 page gives the citizen's own input back: as text, never as markup."""
    client = app.test_client()
    url = f"/s/{survey.short_slug}"
    data = {**form_of(client, url), **SHORT_ANSWERS, "q_OVERALL": payload, "field": payload,
            "comment": payload}
    before = table_counts(app)
    reply = client.post(url, data=data)
    check_outcome(app, before, reply)
    assert reply.status_code == 422
    assert payload not in reply.text and "&lt;" in reply.text
