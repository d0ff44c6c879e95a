"""dossier events, the invitation outbox, and each unit's share of later invitations

- dossier_events: what the one-stop software (or an admin's file) says about a dossier:
  received or returned, at which receiving unit, for which deciding agency, field,
  procedure and channel, with the keyed hash of the dossier code (never the code).
  Unique per (unit, dossier hash, event): events are idempotent.
- invitations: the outbox of invitations sent after the citizen has left (arm `later`).
  The contact is ciphertext, and the database refuses it on any row that is not
  pending: once sent, failed or expired, the contact is gone.
- units.invite_later_share (0–1, default 0): the share of returned dossiers with a
  contact drawn into the later arm. 0 keeps today's behaviour for every existing unit.

SQLite adds the column with its named CHECK in place (ALTER TABLE … ADD COLUMN), so
`units` is not rebuilt; PostgreSQL adds it with a constant default (no rewrite).

Revision ID: 0007
Revises: 0006
"""

import sqlalchemy as sa
from alembic import op

revision = "0007"
down_revision = "0006"
branch_labels = None
depends_on = None

SHARE_CHECK = "invite_later_share >= 0 AND invite_later_share <= 1"
BigId = sa.BigInteger().with_variant(sa.Integer(), "sqlite")


def upgrade():
    if op.get_bind().dialect.name == "sqlite":
        op.execute("ALTER TABLE units ADD COLUMN invite_later_share FLOAT DEFAULT 0 NOT NULL "
                   f"CONSTRAINT ck_units_invite_later_share CHECK ({SHARE_CHECK})")
    else:
        op.add_column("units", sa.Column("invite_later_share", sa.Float(), nullable=False,
                                         server_default=sa.text("0")))
        op.create_check_constraint(op.f("ck_units_invite_later_share"), "units", SHARE_CHECK)
    op.create_table(
        "dossier_events",
        sa.Column("id", BigId, nullable=False),
        sa.Column("unit_id", sa.Integer(), nullable=False),
        sa.Column("counter_id", sa.Integer(), nullable=True),
        sa.Column("deciding_unit_id", sa.Integer(), nullable=True),
        sa.Column("field_id", sa.Integer(), nullable=True),
        sa.Column("procedure_code", sa.String(length=40), nullable=True),
        sa.Column("dossier_hash", sa.String(length=64), nullable=False),
        sa.Column("event", sa.String(length=16), nullable=False),
        sa.Column("channel", sa.String(length=8), nullable=False),
        sa.Column("received_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("returned_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("recorded_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("source", sa.String(length=8), nullable=False),
        sa.Column("arm", sa.String(length=8), nullable=True),
        sa.Column("randomised", sa.Boolean(), nullable=False),
        sa.CheckConstraint("event IN ('received', 'returned')", name=op.f("ck_dossier_events_event")),
        sa.CheckConstraint("channel IN ('counter', 'online', 'postal')",
                           name=op.f("ck_dossier_events_channel")),
        sa.CheckConstraint("source IN ('api', 'import')", name=op.f("ck_dossier_events_source")),
        sa.CheckConstraint("arm IS NULL OR arm IN ('counter', 'later')",
                           name=op.f("ck_dossier_events_arm")),
        sa.CheckConstraint("arm IS NULL OR event = 'returned'",
                           name=op.f("ck_dossier_events_arm_on_return")),
        sa.CheckConstraint("event <> 'returned' OR returned_at IS NOT NULL",
                           name=op.f("ck_dossier_events_returned_at_on_return")),
        sa.CheckConstraint("event <> 'received' OR received_at IS NOT NULL",
                           name=op.f("ck_dossier_events_received_at_on_receipt")),
        sa.ForeignKeyConstraint(["unit_id"], ["units.id"],
                                name=op.f("fk_dossier_events_unit_id_units"), ondelete="RESTRICT"),
        sa.ForeignKeyConstraint(["counter_id"], ["counters.id"],
                                name=op.f("fk_dossier_events_counter_id_counters"),
                                ondelete="RESTRICT"),
        sa.ForeignKeyConstraint(["deciding_unit_id"], ["units.id"],
                                name=op.f("fk_dossier_events_deciding_unit_id_units"),
                                ondelete="RESTRICT"),
        sa.ForeignKeyConstraint(["field_id"], ["fields.id"],
                                name=op.f("fk_dossier_events_field_id_fields"),
                                ondelete="RESTRICT"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_dossier_events")),
        sa.UniqueConstraint("unit_id", "dossier_hash", "event",
                            name=op.f("uq_dossier_events_unit_id_dossier_hash_event")),
    )
    op.create_index(op.f("ix_dossier_events_unit_id_returned_at"), "dossier_events",
                    ["unit_id", "returned_at"])
    op.create_table(
        "invitations",
        sa.Column("id", BigId, nullable=False),
        sa.Column("event_id", BigId, nullable=False),
        sa.Column("channel", sa.String(length=8), nullable=False),
        sa.Column("contact_cipher", sa.Text(), nullable=True),
        sa.Column("status", sa.String(length=12), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("send_after", sa.DateTime(timezone=True), nullable=False),
        sa.Column("expires_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("next_attempt_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("last_error", sa.String(length=300), nullable=True),
        sa.Column("provider_ref", sa.String(length=100), nullable=True),
        sa.Column("sent_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("finished_at", sa.DateTime(timezone=True), nullable=True),
        sa.CheckConstraint("channel IN ('email', 'sms', 'zalo')",
                           name=op.f("ck_invitations_channel")),
        sa.CheckConstraint("status IN ('pending', 'sent', 'delivered', 'failed', 'expired')",
                           name=op.f("ck_invitations_status")),
        sa.CheckConstraint("contact_cipher IS NULL OR status = 'pending'",
                           name=op.f("ck_invitations_contact_only_while_pending")),
        sa.CheckConstraint("status <> 'pending' OR contact_cipher IS NOT NULL",
                           name=op.f("ck_invitations_pending_has_contact")),
        sa.CheckConstraint("attempts >= 0", name=op.f("ck_invitations_attempts_non_negative")),
        sa.ForeignKeyConstraint(["event_id"], ["dossier_events.id"],
                                name=op.f("fk_invitations_event_id_dossier_events"),
                                ondelete="RESTRICT"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_invitations")),
        sa.UniqueConstraint("event_id", name=op.f("uq_invitations_event_id")),
    )
    op.create_index("ix_invitations_due", "invitations", ["next_attempt_at"],
                    postgresql_where=sa.text("status = 'pending'"),
                    sqlite_where=sa.text("status = 'pending'"))


def downgrade():
    op.drop_index("ix_invitations_due", table_name="invitations")
    op.drop_table("invitations")
    op.drop_index(op.f("ix_dossier_events_unit_id_returned_at"), table_name="dossier_events")
    op.drop_table("dossier_events")
    if op.get_bind().dialect.name == "sqlite":
        op.execute("ALTER TABLE units DROP COLUMN invite_later_share")
    else:
        op.drop_constraint(op.f("ck_units_invite_later_share"), "units", type_="check")
        op.drop_column("units", "invite_later_share")
