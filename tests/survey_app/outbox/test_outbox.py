"""The outbox, drained in-process by the same `run_once` the worker command calls, against a
real SMTP server and a real HTTP gateway, on SQLite and PostgreSQL."""

from __future__ import annotations

from datetime import timedelta

import pytest
import sqlalchemy as sa

from survey_app.extensions import db
from survey_app.models import DossierEvent, Invitation
from survey_app.services.outbox import run_once
from tests.survey_app.outbox.helpers import RETURNED, event_body, post_event, tables_holding

EMAIL = "nguoidan.thu@example.vn"
PHONE = "0912 345 678"
DUE = RETURNED + timedelta(hours=2)  # INVITATION_DELAY_SECONDS' default


def _invitation(app) -> Invitation:
    with app.app_context():
        row = db.session.scalar(sa.select(Invitation))
        db.session.expunge(row)
        return row


def _pass(app, at):
    with app.app_context():
        return run_once(at).counts


def test_an_email_invitation_goes_out_once_after_the_delay_then_the_contact_is_gone(
        any_app, outbox_world, smtp):
    client = any_app.test_client()
    reply = post_event(client, outbox_world.key, event_body("HS-1", {"email": EMAIL}))
    assert reply.status_code == 201, reply.get_json()
    assert reply.get_json()["arm"] == "later" and reply.get_json()["link"] is None
    stored = _invitation(any_app)
    assert stored.status == "pending" and stored.contact_cipher
    assert EMAIL not in stored.contact_cipher  # encrypted at rest
    assert tables_holding(any_app, EMAIL) == [] and tables_holding(any_app, "HS-1") == []

    assert sum(_pass(any_app, DUE - timedelta(seconds=1)).values()) == 0  # not yet due
    assert smtp.messages == []
    assert _pass(any_app, DUE)["sent"] == 1
    assert _pass(any_app, DUE + timedelta(hours=1))["sent"] == 0  # exactly once

    assert len(smtp.messages) == 1
    mail = smtp.messages[0]
    assert mail["To"] == EMAIL and "/s/" in mail.get_content()
    done = _invitation(any_app)
    assert (done.status, done.contact_cipher, done.attempts) == ("sent", None, 1)
    assert done.provider_ref == mail["Message-ID"]


@pytest.mark.parametrize("channel, path", [("sms", "/sms"), ("zalo", "/zns")])
def test_a_phone_invitation_reaches_the_gateway_in_its_documented_shape(
        any_app, outbox_world, gateway, channel, path):
    any_app.config["INVITATION_PHONE_CHANNEL"] = channel
    reply = post_event(any_app.test_client(), outbox_world.key,
                       event_body("HS-2", {"phone": PHONE}))
    assert reply.get_json()["invitation"]["channel"] == channel
    assert _pass(any_app, DUE)["sent"] == 1
    assert gateway.problems == []
    assert [p for p, _h, _b in gateway.received] == [path]
    _path, _headers, body = gateway.received[0]
    assert "84912345678" in (body.get("to"), body.get("phone"))
    done = _invitation(any_app)
    assert done.status == "sent" and done.contact_cipher is None and done.provider_ref
    assert tables_holding(any_app, "912345678") == []


def test_an_invitation_not_sent_in_time_expires_and_its_contact_is_deleted(
        any_app, outbox_world, smtp):
    post_event(any_app.test_client(), outbox_world.key, event_body("HS-3", {"email": EMAIL}))
    stored = _invitation(any_app)
    assert stored.expires_at == DUE + timedelta(hours=48)
    counts = _pass(any_app, stored.expires_at)
    assert counts["expired"] == 1 and counts["sent"] == 0
    gone = _invitation(any_app)
    assert (gone.status, gone.contact_cipher) == ("expired", None)
    assert smtp.messages == []
    assert tables_holding(any_app, EMAIL) == []


def test_a_failing_gateway_is_retried_with_backoff_then_given_up(any_app, outbox_world,
                                                                  gateway):
    any_app.config.update(OUTBOX_MAX_ATTEMPTS=3, OUTBOX_RETRY_SECONDS=60)
    gateway.mode = "down"
    post_event(any_app.test_client(), outbox_world.key, event_body("HS-4", {"phone": PHONE}))
    assert _pass(any_app, DUE)["retry"] == 1
    first = _invitation(any_app)
    assert first.next_attempt_at == DUE + timedelta(seconds=60) and first.attempts == 1
    assert first.last_error == "sms: HTTP 503" and first.contact_cipher
    assert sum(_pass(any_app, DUE + timedelta(seconds=59)).values()) == 0
    assert _pass(any_app, DUE + timedelta(seconds=60))["retry"] == 1
    assert _invitation(any_app).next_attempt_at == DUE + timedelta(seconds=60 + 120)
    assert _pass(any_app, DUE + timedelta(seconds=180))["failed"] == 1
    failed = _invitation(any_app)
    assert (failed.status, failed.attempts, failed.contact_cipher) == ("failed", 3, None)
    assert len(gateway.received) == 3 and gateway.problems == []


def test_a_refused_address_fails_at_once_and_the_error_does_not_name_it(any_app,
                                                                         outbox_world, smtp):
    smtp.refuse.add(EMAIL)
    post_event(any_app.test_client(), outbox_world.key, event_body("HS-5", {"email": EMAIL}))
    assert _pass(any_app, DUE)["failed"] == 1
    failed = _invitation(any_app)
    assert failed.status == "failed" and failed.contact_cipher is None
    assert "refused" in failed.last_error and EMAIL not in failed.last_error


def test_the_counter_arm_prints_the_link_and_keeps_no_contact(any_app, outbox_world):
    with any_app.app_context():
        from survey_app.models import Unit

        db.session.get(Unit, outbox_world.unit_id).invite_later_share = 0.0
        db.session.commit()
    reply = post_event(any_app.test_client(), outbox_world.key,
                       event_body("HS-6", {"email": EMAIL}))
    body = reply.get_json()
    assert body["arm"] == "counter" and body["invitation"] is None
    assert "/s/" in body["link"]["url"] and body["link"]["qr_png_base64"]
    with any_app.app_context():
        event = db.session.scalar(sa.select(DossierEvent))
        assert (event.arm, event.randomised) == ("counter", True)
        assert db.session.scalar(sa.select(sa.func.count(Invitation.id))) == 0
    assert tables_holding(any_app, EMAIL) == []


def test_the_database_refuses_a_contact_on_an_invitation_that_is_not_pending(any_app,
                                                                           outbox_world):
    post_event(any_app.test_client(), outbox_world.key, event_body("HS-7", {"email": EMAIL}))
    with any_app.app_context(), pytest.raises(sa.exc.IntegrityError):
        db.session.execute(sa.update(Invitation).values(status="sent"))
        db.session.commit()
