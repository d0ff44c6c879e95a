"""Dossier events from the one-stop software (API) or an admin's file (import): one road.

`check_event` turns the raw values into a `CheckedEvent` (or raises DossierEventError
naming the offending input); `record_event` stores it, idempotently on (receiving unit,
dossier hash, event): the same event sent again changes nothing and reports what was
stored the first time.

When a dossier is returned, its arm is decided here. Without a contact the citizen can
only be asked at the counter (arm `counter`, not randomised). With one, a draw against
the unit's `invite_later_share` puts it in `counter` (the slip prints the signed QR
link, returned to the caller) or `later` (an invitation in the outbox, due
INVITATION_DELAY_SECONDS after the return). Both arms carry the same signed link kind,
bound to (receiving unit, dossier hash), so the existing UNIQUE (unit_id, dossier_hash)
of responses keeps one response per dossier across arms and channels.
"""

from __future__ import annotations

import random
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

import sqlalchemy as sa
from flask import current_app

from survey_app.extensions import db
from survey_app.models import (
    DOSSIER_CHANNELS,
    Counter,
    DossierEvent,
    Field,
    Invitation,
    Unit,
)
from survey_app.services.contacts import Contact, ContactError, parse_contact, seal
from survey_app.services.privacy import dossier_hash
from survey_app.services.receipts import (
    MAX_DOSSIER_CODE,
    MAX_PROCEDURE_CODE,
    MAX_UNIT_CODE,
    ReceiptLinkError,
    _clean,
    deciding_agency,
)
from survey_app.services.scoping import subtree_ids

EVENTS = ("received", "returned")
CLOCK_SKEW = timedelta(minutes=10)  # a time this far in the future is refused
_DRAW = random.SystemRandom()


class DossierEventError(ReceiptLinkError):
    """An event that cannot be recorded; `field` names the offending input."""


@dataclass(frozen=True)
class CheckedEvent:
    unit: Unit
    counter: Counter | None
    dossier_hash: str
    event: str
    channel: str
    field: Field | None
    procedure_code: str | None
    deciding_unit: Unit | None
    received_at: datetime | None
    returned_at: datetime | None
    contact: Contact | None


@dataclass(frozen=True)
class Recorded:
    event: DossierEvent
    created: bool


def parse_time(value: object, name: str, required: bool, now: datetime) -> datetime | None:
    """An ISO 8601 time with its zone (e.g. 2026-11-20T09:15:00+07:00), not in the future."""
    if value is None or value == "":
        if required:
            raise DossierEventError(name, "is required")
        return None
    if not isinstance(value, str) or len(value) > 40:
        raise DossierEventError(name, "must be an ISO 8601 time with its zone")
    try:
        moment = datetime.fromisoformat(value.strip())
    except ValueError:
        raise DossierEventError(name, "must be an ISO 8601 time with its zone, e.g. "
                                      "2026-11-20T09:15:00+07:00") from None
    if moment.tzinfo is None:
        raise DossierEventError(name, "needs a time zone (e.g. +07:00 or Z)")
    moment = moment.astimezone(UTC)
    if moment > now + CLOCK_SKEW:
        raise DossierEventError(name, "is in the future")
    return moment


def _unit_by_code(code: str, name: str) -> Unit:
    found = db.session.scalars(sa.select(Unit).where(
        sa.or_(Unit.code == code, Unit.admin_code == code))).all()
    live = [u for u in found if u.active]
    if len(live) != 1:
        raise DossierEventError(name, f"no active unit with code {code!r}" if not live
                                else f"code {code!r} names several units")
    return live[0]


def check_event(data: dict, key_unit: Unit | None, now: datetime | None = None) -> CheckedEvent:
    """Check one event's values. `key_unit`: the unit of the API key, whose subtree bounds
    the receiving unit (None for an admin's import: any active unit)."""
    now = now or datetime.now(UTC)
    event = _clean(data.get("event"), "event", 16, True)
    if event not in EVENTS:
        raise DossierEventError("event", "must be received or returned")
    code = _clean(data.get("dossier_code"), "dossier_code", MAX_DOSSIER_CODE, True)
    unit_code = _clean(data.get("receiving_unit"), "receiving_unit", MAX_UNIT_CODE,
                       key_unit is None)
    unit = _unit_by_code(unit_code, "receiving_unit") if unit_code else key_unit
    if key_unit is not None and unit.id not in subtree_ids([key_unit.id]):
        raise DossierEventError("receiving_unit", f"unit {unit.code} is not this key's unit "
                                                  "or one below it")
    channel = _clean(data.get("channel"), "channel", 8, True)
    if channel not in DOSSIER_CHANNELS:
        raise DossierEventError("channel", "must be counter, online or postal")
    field_code = _clean(data.get("field"), "field", 32, False)
    the_field = None
    if field_code is not None:
        the_field = db.session.scalar(sa.select(Field).filter_by(code=field_code, active=True))
        if the_field is None:
            raise DossierEventError("field", f"unknown field code {field_code!r}")
    procedure = _clean(data.get("procedure_code"), "procedure_code", MAX_PROCEDURE_CODE, False)
    try:
        decider = deciding_agency(data.get("deciding_agency"), now.date())
    except ReceiptLinkError as exc:
        raise DossierEventError(exc.field, exc.message) from None
    received = parse_time(data.get("received_at"), "received_at", event == "received", now)
    returned = parse_time(data.get("returned_at"), "returned_at", event == "returned", now)
    if received and returned and returned < received:
        raise DossierEventError("returned_at", "is before received_at")
    try:
        contact = parse_contact(data.get("contact"))
    except ContactError as exc:
        raise DossierEventError("contact", str(exc)) from None
    if contact is not None and event != "returned":
        raise DossierEventError("contact", "is taken only with the returned event (it is kept "
                                           "no longer than needed)")
    counter = _counter(unit, _clean(data.get("counter"), "counter", 32, False),
                       needed=event == "returned")
    return CheckedEvent(unit, counter, dossier_hash(code), event, channel, the_field, procedure,
                        decider, received, returned, contact)


def _counter(unit: Unit, code: str | None, needed: bool) -> Counter | None:
    """The named active counter of the unit, else (when a link is needed) its first one."""
    query = sa.select(Counter).filter_by(unit_id=unit.id, active=True)
    if code is not None:
        counter = db.session.scalar(query.filter_by(code=code))
        if counter is None:
            raise DossierEventError("counter", f"no active counter {code!r} in unit {unit.code}")
        return counter
    if not needed:
        return None
    counter = db.session.scalar(query.order_by(Counter.id).limit(1))
    if counter is None:
        raise DossierEventError("counter", f"unit {unit.code} has no active counter, and the "
                                           "survey link needs one")
    return counter


def existing_event(unit_id: int, hashed: str, event: str) -> DossierEvent | None:
    return db.session.scalar(sa.select(DossierEvent).filter_by(
        unit_id=unit_id, dossier_hash=hashed, event=event))


def draw_arm(unit: Unit, contact: Contact | None) -> tuple[str, bool]:
    """(arm, randomised): the counter arm without a contact, else a draw."""
    if contact is None:
        return "counter", False
    share = float(unit.invite_later_share or 0)
    return ("later" if _DRAW.random() < share else "counter"), True


def invitation_channel(contact: Contact) -> str:
    if contact.kind == "email":
        return "email"
    return "zalo" if current_app.config["INVITATION_PHONE_CHANNEL"] == "zalo" else "sms"


def record_event(checked: CheckedEvent, source: str, now: datetime | None = None) -> Recorded:
    """Store the event (and its invitation) in the caller's transaction; flushes. An event
    already stored for (unit, dossier, event) is returned as it is, unchanged."""
    now = now or datetime.now(UTC)
    stored = existing_event(checked.unit.id, checked.dossier_hash, checked.event)
    if stored is not None:
        return Recorded(stored, False)
    arm, randomised = (draw_arm(checked.unit, checked.contact) if checked.event == "returned"
                       else (None, False))
    event = DossierEvent(
        unit_id=checked.unit.id, counter_id=checked.counter.id if checked.counter else None,
        deciding_unit_id=checked.deciding_unit.id if checked.deciding_unit else None,
        field_id=checked.field.id if checked.field else None,
        procedure_code=checked.procedure_code, dossier_hash=checked.dossier_hash,
        event=checked.event, channel=checked.channel, received_at=checked.received_at,
        returned_at=checked.returned_at, recorded_at=now, source=source, arm=arm,
        randomised=randomised)
    db.session.add(event)
    if arm == "later":
        config = current_app.config
        due = checked.returned_at + timedelta(seconds=int(config["INVITATION_DELAY_SECONDS"]))
        event.invitation = Invitation(
            channel=invitation_channel(checked.contact), contact_cipher=seal(checked.contact),
            status="pending", created_at=now, send_after=due, next_attempt_at=due,
            expires_at=due + timedelta(hours=int(config["INVITATION_EXPIRE_HOURS"])),
            attempts=0)
    db.session.flush()
    return Recorded(event, True)
