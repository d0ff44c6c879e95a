"""Fixtures of the outbox tests: the local SMTP and HTTP servers, and a unit whose every
returned dossier with a contact is invited later (share 1)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

import pytest

from survey_app.extensions import db
from survey_app.models import Unit
from survey_app.services.credentials import issue_unit_key
from tests.factories import make_unit
from tests.survey_app.factories import make_world
from tests.survey_app.outbox.servers import Gateway, SmtpInbox


@pytest.fixture
def smtp():
    with SmtpInbox() as inbox:
        yield inbox


@pytest.fixture
def gateway():
    with Gateway() as server:
        yield server


@dataclass
class OutboxWorld:
    unit_id: int
    key: str
    deciding_code: str


def make_outbox_world(app, share: float = 1.0) -> OutboxWorld:
    world = make_world(app)
    with app.app_context():
        unit = db.session.get(Unit, world.unit_id)
        unit.invite_later_share = share
        make_unit("S-TC", "Sở Tài chính", kind="so", level="tinh",
                  valid_from=date(2025, 7, 1))
        db.session.commit()
        key = issue_unit_key(unit)
    return OutboxWorld(world.unit_id, key, "S-TC")


@pytest.fixture
def outbox_world(any_app, smtp, gateway):
    any_app.config.update({**smtp.config(), **gateway.config()})
    return make_outbox_world(any_app)
