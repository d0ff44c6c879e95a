"""Done when (issue 14): a dossier returned through the API with a contact gets exactly one
invitation after the delay, sent by the worker running as a separate process
(`flask --app survey_app outbox run --once`); the local SMTP server and the gateway receive
it; the citizen's answer through the link is attributed to the receiving unit and the
deciding agency; a second answer for the dossier is refused, whichever arm's link it
comes through; and the contact is gone. On a SQLite file and on PostgreSQL."""

from __future__ import annotations

import os
import re
import subprocess
import sys
import threading
from datetime import timedelta
from pathlib import Path

import pytest
import sqlalchemy as sa

from survey_app.extensions import db
from survey_app.models import Invitation, Response, Unit
from survey_app.services.privacy import dossier_hash
from tests.conftest import BASE_CONFIG
from tests.survey_app.factories import fill_short
from tests.survey_app.outbox.conftest import make_outbox_world
from tests.survey_app.outbox.helpers import RETURNED, event_body, post_event, tables_holding

ROOT = Path(__file__).resolve().parents[3]
DUE = RETURNED + timedelta(hours=2)
EMAIL = "citizen.e2e@example.vn"
PHONES = ("0987654321", "0356789012")
pytestmark = pytest.mark.slow


@pytest.fixture(params=["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)])
def e2e_app(request, smtp, gateway):
    app = request.getfixturevalue("app" if request.param == "sqlite" else "pg_app")
    app.config.update({**smtp.config(), **gateway.config()})
    return app


def worker(app, *args: str) -> str:
    """`flask --app survey_app outbox run --once …` in a process of its own, configured only
    through the environment, as an operator runs it."""
    config = app.config
    env = {k: v for k, v in os.environ.items() if not k.startswith("SIPAS_")}
    env.update({
        "SIPAS_DATABASE_URL": config["SQLALCHEMY_DATABASE_URI"],
        "SIPAS_SECRET_KEY": BASE_CONFIG["SECRET_KEY"],
        "SIPAS_DOSSIER_KEY": BASE_CONFIG["DOSSIER_KEY"],
        "SIPAS_CONTACT_KEY": config["CONTACT_KEY"],
        "SIPAS_PUBLIC_BASE_URL": config["PUBLIC_BASE_URL"],
        "SIPAS_SMTP_HOST": config["SMTP_HOST"], "SIPAS_SMTP_PORT": str(config["SMTP_PORT"]),
        "SIPAS_SMTP_SECURITY": "none", "SIPAS_MAIL_FROM": config["MAIL_FROM"],
        **{f"SIPAS_{k}": str(config[k]) for k in ("SMS_GATEWAY_URL", "SMS_GATEWAY_KEY",
                                                   "ZALO_ZNS_URL", "ZALO_ACCESS_TOKEN",
                                                   "ZALO_TEMPLATE_ID")},
    })
    done = subprocess.run([sys.executable, "-m", "flask", "--app", "survey_app", "outbox", "run",
                           "--once", *args], cwd=ROOT, env=env, capture_output=True, text=True,
                          timeout=120, check=False)
    assert done.returncode == 0, done.stderr[-2000:]
    return done.stdout


def test_a_returned_dossier_is_invited_once_answered_once_and_its_contact_forgotten(
        e2e_app, smtp, gateway):
    app = e2e_app
    world = make_outbox_world(app)
    client = app.test_client()
    app.config["INVITATION_PHONE_CHANNEL"] = "sms"
    assert post_event(client, world.key, event_body("HS-E2E-1", {"email": EMAIL})
                      ).status_code == 201
    assert post_event(client, world.key, event_body("HS-E2E-1", {"email": EMAIL})
                      ).status_code == 200  # the same event again: nothing new
    assert post_event(client, world.key, event_body("HS-E2E-2", {"phone": PHONES[0]})
                      ).status_code == 201
    app.config["INVITATION_PHONE_CHANNEL"] = "zalo"
    assert post_event(client, world.key, event_body("HS-E2E-3", {"phone": PHONES[1]})
                      ).status_code == 201

    assert worker(app, "--now", (DUE - timedelta(seconds=1)).isoformat()).startswith("0 sent")
    assert smtp.messages == [] and gateway.received == []
    assert worker(app, "--now", DUE.isoformat()).startswith("3 sent")
    assert worker(app, "--now", (DUE + timedelta(hours=3)).isoformat()).startswith("0 sent")

    assert len(smtp.messages) == 1 and smtp.messages[0]["To"] == EMAIL
    assert gateway.problems == []
    assert sorted(path for path, _h, _b in gateway.received) == ["/sms", "/zns"]
    with app.app_context():
        assert db.session.scalars(sa.select(Invitation.status)).all() == ["sent"] * 3
    for needle in (EMAIL, *(p[1:] for p in PHONES), "HS-E2E"):
        assert tables_holding(app, needle) == [], needle

    # The citizen follows the e-mailed link and answers.
    url = re.search(r"http://localhost(/s/[\w-]+)\?d=([\w.\-]+)", smtp.messages[0].get_content())
    slug, token = url.group(1).removeprefix("/s/"), url.group(2)
    _data, reply = fill_short(client, slug, f"?d={token}")
    assert reply.status_code == 303, reply.text[:300]
    with app.app_context():
        response = db.session.scalar(sa.select(Response))
        deciding = db.session.scalar(sa.select(Unit).filter_by(code="S-TC"))
        assert (response.unit_id, response.deciding_unit_id) == (world.unit_id, deciding.id)
        assert response.field.code == "dat-dai" and response.procedure_code == "1.004227"
        assert response.dossier_hash == dossier_hash("HS-E2E-1")

    # A second answer for the dossier: through the same link in another browser, and
    # through a receipt (counter-arm) link minted for the same dossier code.
    again = app.test_client()
    page = again.get(f"/s/{slug}?d={token}", follow_redirects=True)
    assert page.status_code == 409 and "đã được đánh giá" in page.text
    counter_link = client.post("/api/v1/receipt-links", json={
        "dossier_code": "HS-E2E-1", "counter": "MC"},
        headers={"Authorization": f"Bearer {world.key}"}).get_json()["url"]
    page = app.test_client().get(counter_link.removeprefix("http://localhost"),
                                 follow_redirects=True)
    assert page.status_code == 409 and "đã được đánh giá" in page.text
    with app.app_context():
        assert db.session.scalar(sa.select(sa.func.count(Response.id))) == 1


def test_two_workers_at_once_send_each_invitation_exactly_once(e2e_app, smtp):
    """SKIP LOCKED on PostgreSQL, the compare-and-set claim on SQLite."""
    app = e2e_app
    world = make_outbox_world(app)
    client = app.test_client()
    for i in range(8):
        assert post_event(client, world.key, event_body(
            f"HS-PAR-{i}", {"email": f"nguoi{i}@example.vn"})).status_code == 201
    env_now = ["--now", DUE.isoformat()]
    outputs: list[str] = []
    threads = [threading.Thread(target=lambda: outputs.append(worker(app, *env_now)))
               for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    sent = sorted(int(re.match(r"(\d+) sent", out).group(1)) for out in outputs)
    assert sum(sent) == 8
    assert sorted(m["To"] for m in smtp.messages) == sorted(f"nguoi{i}@example.vn"
                                                            for i in range(8))
