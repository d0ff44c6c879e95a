"""The JSON API under hostile input.

POST /api/v1/dossier-events (the same key): random event bodies, contacts and times; a
201/200 stores an event (and maybe an invitation), anything else stores nothing.

POST /api/v1/receipt-links (per-unit API key): random JSON and non-JSON bodies, headers
and keys. Every reply is JSON: 201 with a link to this site's form, or 400/401/413/422
with a message; never a 5xx, and nothing is stored (links are signed, not stored).

GET /api/v1/indices (per-user token): random query parameters and tokens; 200 or a
400/401/404 JSON message.
"""

from __future__ import annotations

import json

import pytest
import sqlalchemy as sa
from hypothesis import given
from hypothesis import strategies as st

from survey_app.extensions import db
from survey_app.models import User
from survey_app.services.credentials import issue_user_token as issue_token
from tests.conftest import add_user
from tests.hostile.conftest import FUZZ, PAYLOADS, form_body, nasty_text, table_counts
from tests.survey_app.admin.conftest import build_world
from tests.survey_app.factories import make_world

json_scalars = st.one_of(st.none(), st.booleans(), st.integers(), st.floats(),
                         st.sampled_from(PAYLOADS), st.text(max_size=30))
json_values = st.recursive(json_scalars, lambda inner: st.one_of(
    st.lists(inner, max_size=4), st.dictionaries(st.text(max_size=10), inner, max_size=4)),
    max_leaves=12)
link_bodies = st.one_of(
    json_values,
    st.fixed_dictionaries({}, optional={
        "dossier_code": st.one_of(json_scalars, st.just("HS-0001")),
        "counter": st.one_of(json_scalars, st.just("MC")),
        "field": st.one_of(json_scalars, st.just("dat-dai")),
        "procedure_code": json_scalars,
        "extra": json_values,
    }),
)
raw_bodies = st.one_of(
    st.binary(max_size=64),
    st.sampled_from([b"[" * 100_000, b'{"a":' * 20_000, b"\xff\xfe{}", b"{" + b" " * 1000,
                     b'{"dossier_code": "\\ud800", "counter": "MC"}', b"NaN", b"1e999999",
                     b'{"counter": "MC", "dossier_code": "A", "counter": "DD"}',
                     b'{"dossier_code": "\\u0000", "counter": "MC"}']),
)
content_types = st.sampled_from(["application/json", "application/json; charset=latin-1",
                                 "text/plain", "application/x-www-form-urlencoded",
                                 "multipart/form-data", "application/vnd.api+json", ""])


@pytest.fixture
def unit_key(app):
    world = make_world(app)
    app.config["API_RATE_LIMIT"] = "100000 per minute"
    result = app.test_cli_runner().invoke(args=["api-key", "issue", "--unit", "X-TEST"])
    assert result.exit_code == 0, result.output
    return world, result.stdout.strip().splitlines()[0]


def check_reply(app, before, reply, allowed=(201, 400, 401, 413, 415, 422)) -> None:
    assert reply.status_code < 500, reply.get_data()[:300]
    assert reply.status_code in allowed
    assert reply.is_json, reply.get_data()[:200]
    # An issued link is counted per unit and day (receipt_link_counts, no dossier code).
    skip = {"receipt_link_counts"} if reply.status_code == 201 else set()
    assert ({k: v for k, v in table_counts(app).items() if k not in skip}
            == {k: v for k, v in before.items() if k not in skip})


@FUZZ
@given(body=link_bodies, auth=st.sampled_from(["bearer", "x-api-key", "lowercase", "none"]))
def test_random_json_bodies(app, unit_key, body, auth):
    world, key = unit_key
    headers = {"bearer": {"Authorization": f"Bearer {key}"},
               "x-api-key": {"X-API-Key": key},
               "lowercase": {"authorization": f"bearer   {key}  "},
               "none": {}}[auth]
    client = app.test_client()
    before = table_counts(app)
    reply = client.post("/api/v1/receipt-links", data=json.dumps(body, allow_nan=True),
                        content_type="application/json", headers=headers)
    check_reply(app, before, reply)
    if auth == "none":
        assert reply.status_code == 401
    if reply.status_code == 201:
        assert reply.json["url"].startswith(f"http://localhost/s/{world.short_slug}?d=")


@FUZZ
@given(body=raw_bodies, content_type=content_types)
def test_non_json_and_broken_bodies(app, unit_key, body, content_type):
    _world, key = unit_key
    client = app.test_client()
    before = table_counts(app)
    reply = client.post("/api/v1/receipt-links", data=body, content_type=content_type or None,
                        headers={"Authorization": f"Bearer {key}"})
    check_reply(app, before, reply)  # 201 too: some random bytes are a valid request


event_bodies = st.one_of(
    json_values,
    st.fixed_dictionaries({}, optional={
        "event": st.one_of(json_scalars, st.sampled_from(["received", "returned"])),
        "dossier_code": st.one_of(json_scalars, st.just("HS-0001")),
        "channel": st.one_of(json_scalars, st.sampled_from(["counter", "online", "postal"])),
        "receiving_unit": st.one_of(json_scalars, st.just("X-TEST")),
        "counter": st.one_of(json_scalars, st.just("MC")),
        "deciding_agency": json_scalars,
        "field": st.one_of(json_scalars, st.just("dat-dai")),
        "procedure_code": json_scalars,
        "received_at": st.one_of(json_scalars, st.just("2026-11-18T08:00:00+07:00")),
        "returned_at": st.one_of(json_scalars, st.just("2026-11-20T16:30:00+07:00"),
                                 st.just("2026-11-20T16:30:00")),
        "contact": st.one_of(json_values, st.fixed_dictionaries({}, optional={
            "phone": st.one_of(json_scalars, st.just("0912345678")),
            "email": st.one_of(json_scalars, st.just("a@example.vn"))})),
    }),
)


@FUZZ
@given(body=event_bodies)
def test_random_dossier_events(app, unit_key, body):
    _world, key = unit_key
    before = table_counts(app)
    reply = app.test_client().post("/api/v1/dossier-events",
                                   data=json.dumps(body, allow_nan=True),
                                   content_type="application/json",
                                   headers={"Authorization": f"Bearer {key}"})
    assert reply.status_code < 500, reply.get_data()[:300]
    assert reply.status_code in (200, 201, 400, 413, 415, 422) and reply.is_json
    after = table_counts(app)
    stored = {"dossier_events", "invitations", "receipt_link_counts"}
    if reply.status_code not in (200, 201):
        assert after == before
    else:
        assert {k: v for k, v in after.items() if k not in stored} == \
            {k: v for k, v in before.items() if k not in stored}
        assert "contact" not in json.dumps(reply.json.get("invitation") or {})


@pytest.mark.usefixtures("unit_key")
@FUZZ
@given(key=st.one_of(nasty_text, st.text(max_size=300).map(lambda t: "sipas_" + t)),
       header=st.sampled_from(["Authorization", "X-API-Key"]),
       scheme=st.sampled_from(["Bearer ", "Basic ", "bearer", "", "Bearer Bearer "]))
def test_random_keys_are_refused(app, key, header, scheme):
    client = app.test_client()
    value = (scheme + key if header == "Authorization" else key)
    value = value.encode("utf-8", "replace").decode("latin-1")  # what HTTP can carry
    if any(c in value for c in "\r\n\x00"):
        value = value.replace("\r", "").replace("\n", "").replace("\x00", "")
    before = table_counts(app)
    reply = client.post("/api/v1/receipt-links", json={"dossier_code": "HS-1", "counter": "MC"},
                        headers={header: value})
    check_reply(app, before, reply, allowed=(401,))


# --- GET /api/v1/indices -------------------------------------------------------------

PARAMS = ["period", "by", "level", "method", "unit", "field", "role", "as_of"]


@pytest.fixture
def user_token(app):
    build_world(app)  # a small unit tree with responses and comments
    add_user(app, "phantich", "analyst")
    app.config["API_RATE_LIMIT"] = "100000 per minute"
    with app.app_context():
        token = issue_token(db.session.scalar(sa.select(User).filter_by(username="phantich")))
        db.session.commit()
    return token


@FUZZ
@given(params=st.lists(st.tuples(st.one_of(st.sampled_from(PARAMS), nasty_text), nasty_text),
                       max_size=4))
def test_random_index_queries(app, user_token, params):
    client = app.test_client()
    before = table_counts(app)
    reply = client.get("/api/v1/indices?" + form_body(params).decode(),
                       headers={"Authorization": f"Bearer {user_token}"})
    assert reply.status_code in (200, 400, 404), reply.get_data()[:300]
    assert reply.is_json
    after = table_counts(app)
    expected_audit = before["audit_log"] + (reply.status_code == 200)
    assert after == {**before, "audit_log": expected_audit}
