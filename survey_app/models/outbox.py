"""Dossier events from the one-stop software and the invitations they lead to (migration 0007).

A `DossierEvent` says that a dossier was received or returned at a unit. It keeps the
keyed hash of the dossier code, never the code. A returned dossier is put in an arm:
`counter` (the receipt slip carries the signed QR link) or `later` (an invitation with
the same kind of link is sent after a delay). An `Invitation` is a row of the outbox
drained by `flask outbox run` (survey_app/services/outbox.py).

The citizen's contact exists only as ciphertext on a pending invitation: the database
refuses a contact on any other status, so sending, failing for good or expiring always
deletes it (docs/privacy.md, "The contact for an invitation").
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Boolean, CheckConstraint, ForeignKey, Integer, String, Text, text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from survey_app.models.base import UTCDateTime, db, utcnow
from survey_app.models.organisation import _in
from survey_app.models.survey import BigId

EVENT_KINDS = ("received", "returned")
DOSSIER_CHANNELS = ("counter", "online", "postal")
EVENT_SOURCES = ("api", "import")
ARMS = ("counter", "later")
INVITATION_CHANNELS = ("email", "sms", "zalo")
INVITATION_STATUSES = ("pending", "sent", "delivered", "failed", "expired")


class DossierEvent(db.Model):
    """One event of one dossier at its receiving unit; unique per (unit, dossier, event)."""

    __tablename__ = "dossier_events"
    __table_args__ = (
        db.UniqueConstraint("unit_id", "dossier_hash", "event"),
        CheckConstraint(_in("event", EVENT_KINDS), name="event"),
        CheckConstraint(_in("channel", DOSSIER_CHANNELS), name="channel"),
        CheckConstraint(_in("source", EVENT_SOURCES), name="source"),
        CheckConstraint(f"arm IS NULL OR {_in('arm', ARMS)}", name="arm"),
        CheckConstraint("arm IS NULL OR event = 'returned'", name="arm_on_return"),
        CheckConstraint("event <> 'returned' OR returned_at IS NOT NULL",
                        name="returned_at_on_return"),
        CheckConstraint("event <> 'received' OR received_at IS NOT NULL",
                        name="received_at_on_receipt"),
        db.Index("ix_dossier_events_unit_id_returned_at", "unit_id", "returned_at"),
    )

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    unit_id: Mapped[int] = mapped_column(ForeignKey("units.id", ondelete="RESTRICT"))
    counter_id: Mapped[int | None] = mapped_column(ForeignKey("counters.id", ondelete="RESTRICT"))
    deciding_unit_id: Mapped[int | None] = mapped_column(
        ForeignKey("units.id", ondelete="RESTRICT"))
    field_id: Mapped[int | None] = mapped_column(ForeignKey("fields.id", ondelete="RESTRICT"))
    procedure_code: Mapped[str | None] = mapped_column(String(40))
    dossier_hash: Mapped[str] = mapped_column(String(64))
    event: Mapped[str] = mapped_column(String(16))
    channel: Mapped[str] = mapped_column(String(8))
    received_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    returned_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    recorded_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    source: Mapped[str] = mapped_column(String(8), default="api")
    arm: Mapped[str | None] = mapped_column(String(8))
    # True when the arm was drawn at random (a contact was given); False when the dossier
    # could only go to the counter arm (no contact). The courtesy effect compares drawn arms.
    randomised: Mapped[bool] = mapped_column(Boolean, default=False)

    unit = relationship("Unit", foreign_keys=[unit_id])
    deciding_unit = relationship("Unit", foreign_keys=[deciding_unit_id])
    counter = relationship("Counter")
    field = relationship("Field")
    invitation: Mapped[Invitation | None] = relationship(back_populates="event")


class Invitation(db.Model):
    """One invitation in the outbox. The contact is Fernet ciphertext and only while pending."""

    __tablename__ = "invitations"
    __table_args__ = (
        CheckConstraint(_in("channel", INVITATION_CHANNELS), name="channel"),
        CheckConstraint(_in("status", INVITATION_STATUSES), name="status"),
        CheckConstraint("contact_cipher IS NULL OR status = 'pending'",
                        name="contact_only_while_pending"),
        CheckConstraint("status <> 'pending' OR contact_cipher IS NOT NULL",
                        name="pending_has_contact"),
        CheckConstraint("attempts >= 0", name="attempts_non_negative"),
        db.Index("ix_invitations_due", "next_attempt_at",
                 postgresql_where=text("status = 'pending'"),
                 sqlite_where=text("status = 'pending'")),
    )

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    event_id: Mapped[int] = mapped_column(
        BigId, ForeignKey("dossier_events.id", ondelete="RESTRICT"), unique=True)
    channel: Mapped[str] = mapped_column(String(8))
    contact_cipher: Mapped[str | None] = mapped_column(Text)
    status: Mapped[str] = mapped_column(String(12), default="pending")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    send_after: Mapped[datetime] = mapped_column(UTCDateTime)
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime)
    next_attempt_at: Mapped[datetime] = mapped_column(UTCDateTime)
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    last_error: Mapped[str | None] = mapped_column(String(300))
    provider_ref: Mapped[str | None] = mapped_column(String(100))
    sent_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    finished_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    event: Mapped[DossierEvent] = relationship(back_populates="invitation")


__all__ = ["ARMS", "DOSSIER_CHANNELS", "EVENT_KINDS", "EVENT_SOURCES", "INVITATION_CHANNELS",
           "INVITATION_STATUSES", "DossierEvent", "Invitation"]
