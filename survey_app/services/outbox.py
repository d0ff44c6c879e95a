"""The invitation outbox, drained by `flask --app survey_app outbox run`.

One pass (`run_once`):
1. every pending invitation past its `expires_at` becomes `expired` and loses its
   contact (one UPDATE);
2. due invitations are taken one at a time and sent; the result goes back into the row
   in the same transaction: `sent` (or `delivered` when the provider says so) and the
   contact deleted, or a retry `OUTBOX_RETRY_SECONDS · 2^(attempts−1)` later (capped at
   6 h), or `failed` for good (permanent refusal, or OUTBOX_MAX_ATTEMPTS reached) with
   the contact deleted.

Several workers may run at once:
- **PostgreSQL**: the row is taken with `SELECT … FOR UPDATE SKIP LOCKED` and kept
  locked while it is sent, so another worker skips it and takes the next one; a worker
  that dies mid-send rolls back, and the invitation is due again.
- **SQLite** (one host, no row locks): the row is claimed by a conditional UPDATE that
  moves its `next_attempt_at` a lease ahead, committed before sending; a competing worker
  finds it not due, or loses the compare-and-set. A worker that dies mid-send leaves it
  due again when the lease ends.

Delivery is at least once: a worker that dies between the provider's acceptance and the
commit sends again. Every provider gets `sipas-invitation-<id>` as its idempotency key
(e-mail Message-ID, SMS `Idempotency-Key`, ZNS `tracking_id`), so they can drop the
duplicate; and the survey link accepts one answer per dossier whatever happens.
"""

from __future__ import annotations

from collections import Counter as Tally
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

import sqlalchemy as sa
from flask import current_app

from survey_app.extensions import db
from survey_app.models import Counter, DossierEvent, Field, Invitation, Response
from survey_app.services.contacts import ContactUnreadable, unseal
from survey_app.services.qr import receipt_url
from survey_app.services.senders import Message, SendFailed, send
from survey_app.services.survey_tokens import token_for_dossier_hash

MAX_RETRY = timedelta(hours=6)


@dataclass
class PassResult:
    counts: Tally

    def line(self) -> str:
        order = ("sent", "delivered", "retry", "failed", "expired")
        return ", ".join(f"{self.counts.get(k, 0)} {k}" for k in order)


def _is_postgres() -> bool:
    return db.engine.dialect.name == "postgresql"


def expire_overdue(now: datetime) -> int:
    """Pending invitations past their expiry: expired, contact deleted."""
    result = db.session.execute(
        sa.update(Invitation)
        .where(Invitation.status == "pending", Invitation.expires_at <= now)
        .values(status="expired", contact_cipher=None, finished_at=now,
                last_error="expired before it could be sent"))
    db.session.commit()
    return result.rowcount or 0


def _due(now: datetime) -> sa.Select:
    return (sa.select(Invitation)
            .where(Invitation.status == "pending", Invitation.next_attempt_at <= now,
                   Invitation.expires_at > now)
            .order_by(Invitation.next_attempt_at, Invitation.id).limit(1))


def _lease() -> timedelta:
    return timedelta(seconds=3 * int(current_app.config["OUTBOX_HTTP_TIMEOUT"]) + 60)


def _claim(now: datetime) -> Invitation | None:
    """The next due invitation, owned by this worker until its transaction commits."""
    if _is_postgres():
        return db.session.scalar(_due(now).with_for_update(skip_locked=True))
    while True:
        candidate = db.session.scalar(_due(now))
        if candidate is None:
            db.session.rollback()
            return None
        won = db.session.execute(
            sa.update(Invitation)
            .where(Invitation.id == candidate.id, Invitation.status == "pending",
                   Invitation.next_attempt_at == candidate.next_attempt_at)
            .values(next_attempt_at=now + _lease())).rowcount == 1
        db.session.commit()
        if won:
            return db.session.get(Invitation, candidate.id)


def _message(invitation: Invitation) -> Message:
    event: DossierEvent = invitation.event
    counter = db.session.get(Counter, event.counter_id) if event.counter_id else None
    if counter is None or not counter.active or not counter.unit.active:
        raise SendFailed("the counter of the survey link is no longer active", permanent=True)
    field = db.session.get(Field, event.field_id) if event.field_id else None
    token = token_for_dossier_hash(counter.id, event.dossier_hash,
                                   field.code if field else None, event.procedure_code,
                                   event.deciding_unit_id)
    try:
        contact = unseal(invitation.contact_cipher)
    except ContactUnreadable as exc:
        raise SendFailed(str(exc), permanent=True) from None
    return Message(f"sipas-invitation-{invitation.id}", invitation.channel, contact,
                   receipt_url(counter, token), counter.unit.name_vi,
                   int(current_app.config["RECEIPT_LINK_DAYS"]))


def _already_answered(event: DossierEvent) -> bool:
    return db.session.scalar(sa.select(Response.id).filter_by(
        unit_id=event.unit_id, dossier_hash=event.dossier_hash).limit(1)) is not None


def _finish(invitation: Invitation, status: str, now: datetime) -> None:
    invitation.status = status
    invitation.contact_cipher = None  # the contact's life ends with the invitation's
    invitation.finished_at = now


def deliver(invitation: Invitation, now: datetime) -> str:
    """Send one claimed invitation and write the outcome into it (not committed)."""
    if _already_answered(invitation.event):
        _finish(invitation, "expired", now)
        invitation.last_error = "the dossier was already answered; not sent"
        return "expired"
    contact_text = None
    invitation.attempts += 1
    try:
        message = _message(invitation)
        contact_text = message.contact.value
        sent = send(message)
    except SendFailed as exc:
        reason = exc.reason.replace(contact_text, "<contact>") if contact_text else exc.reason
        invitation.last_error = reason[:300]
        if exc.permanent or invitation.attempts >= int(current_app.config["OUTBOX_MAX_ATTEMPTS"]):
            _finish(invitation, "failed", now)
            return "failed"
        base = timedelta(seconds=int(current_app.config["OUTBOX_RETRY_SECONDS"]))
        invitation.next_attempt_at = now + min(base * 2 ** (invitation.attempts - 1), MAX_RETRY)
        return "retry"
    status = "delivered" if sent.delivered else "sent"
    _finish(invitation, status, now)
    invitation.sent_at = now
    invitation.provider_ref = sent.provider_ref
    invitation.last_error = None
    return status


def run_once(now: datetime | None = None, limit: int = 500) -> PassResult:
    """One pass over the outbox (see the module's docstring); safe to run concurrently."""
    now = now or datetime.now(UTC)
    counts: Tally = Tally()
    counts["expired"] += expire_overdue(now)
    for _ in range(limit):
        invitation = _claim(now)
        if invitation is None:
            break
        try:
            counts[deliver(invitation, now)] += 1
            db.session.commit()
        except Exception:
            db.session.rollback()
            raise
    return PassResult(counts)


def status_counts() -> dict[str, int]:
    return dict(db.session.execute(
        sa.select(Invitation.status, sa.func.count()).group_by(Invitation.status)).all())
