"""POST /api/v1/dossier-events: idempotent, refuses bad input field by field (422 naming the
field, nothing stored), never stores the dossier code, and every reply matches the OpenAPI
document."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
import sqlalchemy as sa

from survey_app.api.openapi import EVENT_FIELDS, EVENT_REQUEST, document
from survey_app.extensions import db
from survey_app.models import DossierEvent, Invitation, Unit
from tests.factories import make_counter, make_unit
from tests.survey_app.api.test_openapi import conforms
from tests.survey_app.outbox.conftest import make_outbox_world
from tests.survey_app.outbox.helpers import event_body, tables_holding

SPEC = document()


def _check(reply) -> dict:
    documented = SPEC["paths"]["/dossier-events"]["post"]["responses"][str(reply.status_code)]
    body = reply.get_json()
    conforms(body, documented["content"]["application/json"]["schema"], SPEC)
    return body


@pytest.fixture
def events(app):
    world = make_outbox_world(app, share=1.0)
    client = app.test_client()

    def post(body, key=world.key):
        return client.post("/api/v1/dossier-events", json=body,
                           headers={"Authorization": f"Bearer {key}"} if key else {})
    post.world = world
    return post


def _count(app, model) -> int:
    with app.app_context():
        return db.session.scalar(sa.select(sa.func.count()).select_from(model))


def test_every_request_field_is_documented():
    assert list(EVENT_REQUEST["properties"]) == EVENT_FIELDS


def test_the_same_event_twice_is_stored_once(app, events):
    first = _check(events(event_body("HS-A", {"email": "a@example.vn"})))
    again = events(event_body("HS-A", {"email": "other@example.vn"}))
    assert again.status_code == 200
    body = _check(again)
    assert first["created"] is True and body["created"] is False
    assert body["arm"] == first["arm"] == "later"
    assert body["receiving_unit"] == "X-TEST" and body["deciding_agency"] == "S-TC"
    assert _count(app, DossierEvent) == 1 and _count(app, Invitation) == 1
    assert tables_holding(app, "other@example.vn") == []  # the replay's contact is not kept


def test_received_then_returned_are_two_events_of_one_dossier(app, events):
    received = _check(events(event_body("HS-B", event="received", returned_at=None)))
    assert received["arm"] is None and received["link"] is None
    returned = _check(events(event_body("HS-B")))
    assert returned["arm"] == "counter"  # no contact: only the counter arm is possible
    assert returned["link"]["url"].startswith("http://localhost/s/")
    with app.app_context():
        rows = db.session.scalars(sa.select(DossierEvent).order_by(DossierEvent.id)).all()
        assert [(e.event, e.arm, e.randomised) for e in rows] == [
            ("received", None, False), ("returned", "counter", False)]
    assert tables_holding(app, "HS-B") == []  # the code itself is stored nowhere


def test_a_unit_below_the_key_may_be_the_receiving_unit_another_may_not(app, events):
    with app.app_context():
        parent = db.session.get(Unit, events.world.unit_id)
        point = make_unit("DTN-1", "Điểm tiếp nhận số 1", kind="diem_tiep_nhan", level="xa",
                          parent=parent)
        make_counter(point, "Q1")
        make_unit("X-KHAC", "UBND xã Khác")
        db.session.commit()
    ok = _check(events(event_body("HS-C", receiving_unit="DTN-1")))
    assert ok["receiving_unit"] == "DTN-1" and ok["link"]["counter"] == "Q1"
    refused = _check(events(event_body("HS-C", receiving_unit="X-KHAC")))
    assert refused["field"] == "receiving_unit"


FUTURE = (datetime.now(UTC) + timedelta(days=1)).isoformat()


@pytest.mark.parametrize("change, field", [
    ({"event": "opened"}, "event"),
    ({"dossier_code": ""}, "dossier_code"),
    ({"dossier_code": "x" * 65}, "dossier_code"),
    ({"channel": "fax"}, "channel"),
    ({"field": "khong-co"}, "field"),
    ({"deciding_agency": "KHONG-CO"}, "deciding_agency"),
    ({"returned_at": "2026-11-20 09:00"}, "returned_at"),  # no zone
    ({"returned_at": "hôm qua"}, "returned_at"),
    ({"returned_at": FUTURE}, "returned_at"),
    ({"returned_at": None}, "returned_at"),
    ({"received_at": "2026-11-25T00:00:00+07:00"}, "returned_at"),  # returned before it
    ({"contact": {"phone": "12345"}}, "contact"),
    ({"contact": {"email": "not-an-address"}}, "contact"),
    ({"contact": {"phone": "0912345678", "email": "a@example.vn"}}, "contact"),
    ({"contact": "0912345678"}, "contact"),
    ({"event": "received", "contact": {"email": "a@example.vn"}}, "contact"),
    ({"counter": "KHONG"}, "counter"),
])
def test_bad_input_is_refused_naming_the_field_and_nothing_is_stored(app, events, change,
                                                                     field):
    reply = events(event_body("HS-BAD", **change))
    assert reply.status_code == 422, reply.get_json()
    assert _check(reply)["field"] == field
    assert _count(app, DossierEvent) == 0 and _count(app, Invitation) == 0


def test_no_key_and_no_object_are_refused(events):
    assert _check(events(event_body("HS-D"), key=None)).get("status") == 401
    reply = events([1, 2])
    assert reply.status_code == 400
    _check(reply)


def test_the_daily_link_quota_bounds_the_invitations_a_key_can_cause(app, events):
    """Either arm hands out one signed link, counted in RECEIPT_LINKS_PER_DAY; over it,
    429 and nothing stored (not the contact either)."""
    app.config["RECEIPT_LINKS_PER_DAY"] = 1
    assert events(event_body("HS-Q1", {"email": "q1@example.vn"})).status_code == 201
    over = events(event_body("HS-Q2", {"email": "q2@example.vn"}))
    assert over.status_code == 429
    _check(over)
    assert _count(app, Invitation) == 1
    assert tables_holding(app, "q2@example.vn") == []
