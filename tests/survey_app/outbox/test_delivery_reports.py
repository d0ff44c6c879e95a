"""POST /api/v1/delivery-reports: a gateway's report moves a sent invitation to delivered or
failed, by our reference or the provider's; everything else is refused with a documented
reply (SQLite and PostgreSQL)."""

from __future__ import annotations

from datetime import timedelta

import pytest
import sqlalchemy as sa

from survey_app.api.openapi import document
from survey_app.extensions import db
from survey_app.models import Invitation
from survey_app.services.outbox import run_once
from tests.survey_app.api.test_openapi import conforms
from tests.survey_app.outbox.helpers import RETURNED, event_body, post_event

SPEC = document()
KEY = "delivery-report-test-key"


@pytest.fixture
def report(any_app, outbox_world):
    any_app.config["DELIVERY_REPORT_KEY"] = KEY
    client = any_app.test_client()
    for n, contact in enumerate(({"phone": "0912345678"}, {"email": "x@example.vn"})):
        assert post_event(client, outbox_world.key, event_body(f"HS-DR-{n}", contact)
                          ).status_code == 201
    with any_app.app_context():
        run_once(RETURNED + timedelta(hours=2))  # both sent; the SMS one has a gateway ref

    def post(body, key=KEY):
        reply = client.post("/api/v1/delivery-reports", json=body,
                            headers={"Authorization": f"Bearer {key}"})
        documented = SPEC["paths"]["/delivery-reports"]["post"]["responses"][
            str(reply.status_code)]
        conforms(reply.get_json(), documented["content"]["application/json"]["schema"], SPEC)
        return reply
    return post


def _statuses(app) -> list[str]:
    with app.app_context():
        return db.session.scalars(sa.select(Invitation.status).order_by(Invitation.id)).all()


def test_a_report_moves_a_sent_invitation_once(any_app, report):
    assert _statuses(any_app) == ["sent", "sent"]
    with any_app.app_context():
        sms_ref = db.session.scalar(sa.select(Invitation.provider_ref).order_by(Invitation.id))
    assert sms_ref == "gw-1"
    done = report({"id": sms_ref, "status": "delivered"})
    assert done.status_code == 200 and done.get_json()["status"] == "delivered"
    assert report({"id": sms_ref, "status": "delivered"}).status_code == 200  # again: same
    assert report({"id": sms_ref, "status": "failed"}).status_code == 409  # no step back
    failed = report({"id": "sipas-invitation-2", "status": "failed", "reason": "bounced"})
    assert failed.status_code == 200
    assert _statuses(any_app) == ["delivered", "failed"]


@pytest.mark.parametrize("body, key, status", [
    ({"id": "sipas-invitation-1", "status": "delivered"}, "wrong", 401),
    ({"id": "sipas-invitation-99", "status": "delivered"}, KEY, 404),
    ({"id": "nobody-knows", "status": "delivered"}, KEY, 404),
    ({"id": "sipas-invitation-1", "status": "read"}, KEY, 422),
    ({"id": 7, "status": "delivered"}, KEY, 422),
    ([1], KEY, 400),
])
def test_bad_reports_are_refused_and_change_nothing(any_app, report, body, key, status):
    assert report(body, key).status_code == status
    assert _statuses(any_app) == ["sent", "sent"]


def test_without_a_key_configured_the_endpoint_does_not_exist(app):
    reply = app.test_client().post("/api/v1/delivery-reports", json={"id": "x", "status": "failed"},
                                   headers={"Authorization": "Bearer "})
    assert reply.status_code == 404
