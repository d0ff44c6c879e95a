"""`flask outbox run|status` in-process: refuses to run without the public address, checks
--now, and reports per status (the separate-process runs are in test_end_to_end.py)."""

from __future__ import annotations

from tests.survey_app.outbox.helpers import RETURNED, event_body, post_event


def test_the_worker_needs_the_public_address_and_a_zoned_now(any_app, outbox_world):
    runner = any_app.test_cli_runner()
    any_app.config["PUBLIC_BASE_URL"] = None
    refused = runner.invoke(args=["outbox", "run", "--once"])
    assert refused.exit_code != 0 and "SIPAS_PUBLIC_BASE_URL" in refused.output
    any_app.config["PUBLIC_BASE_URL"] = "http://localhost"
    naive = runner.invoke(args=["outbox", "run", "--once", "--now", "2026-11-20 09:00"])
    assert naive.exit_code != 0 and "zone" in naive.output
    loop = runner.invoke(args=["outbox", "run", "--now", RETURNED.isoformat()])
    assert loop.exit_code != 0 and "--now needs --once" in loop.output
    assert outbox_world.key


def test_status_counts_invitations_without_contacts(any_app, outbox_world, smtp):
    post_event(any_app.test_client(), outbox_world.key, event_body("HS-S", {"email": "s@example.vn"}))
    runner = any_app.test_cli_runner()
    assert "pending: 1" in runner.invoke(args=["outbox", "status"]).output
    sent = runner.invoke(args=["outbox", "run", "--once", "--now", "2026-11-20T12:00:00+07:00"])
    assert sent.exit_code == 0 and sent.output.startswith("1 sent"), sent.output
    status = runner.invoke(args=["outbox", "status"]).output
    assert "sent: 1" in status and "pending: 0" in status and "s@example.vn" not in status
    assert len(smtp.messages) == 1
