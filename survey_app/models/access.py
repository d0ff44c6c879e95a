"""Who may look: users with a role and a unit scope, and the append-only audit log."""

from __future__ import annotations

import secrets
from datetime import datetime

from flask_login import UserMixin
from sqlalchemy import (
    JSON,
    BigInteger,
    Boolean,
    CheckConstraint,
    ForeignKey,
    Integer,
    String,
    event,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship
from sqlalchemy.schema import DDL

from survey_app.models.base import UTCDateTime, db, utcnow
from survey_app.models.organisation import _in

ROLES = ("admin", "analyst", "unit")


class User(UserMixin, db.Model):
    """admin and analyst belong to Nội vụ and see everything; unit users see their subtree."""

    __tablename__ = "users"
    __table_args__ = (
        CheckConstraint(_in("role", ROLES), name="role"),
        CheckConstraint("role <> 'unit' OR unit_id IS NOT NULL", name="unit_role_has_unit"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    username: Mapped[str] = mapped_column(String(64), unique=True)
    full_name: Mapped[str | None] = mapped_column(String(200))
    password_hash: Mapped[str] = mapped_column(String(256))
    role: Mapped[str] = mapped_column(String(16))
    unit_id: Mapped[int | None] = mapped_column(ForeignKey("units.id", ondelete="RESTRICT"))
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    # Read-only API token (only its SHA-256 is stored).
    api_token_hash: Mapped[str | None] = mapped_column(String(64), unique=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    last_login_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # A random value carried in the session and in the remember cookie (`get_id()`):
    # replacing it ends every session of the user, on every device, whatever cookie a
    # browser (or a thief) still holds. See `end_sessions()`.
    session_version: Mapped[str | None] = mapped_column(String(32), default=lambda: _new_version())

    unit = relationship("Unit")

    @property
    def is_active(self) -> bool:  # Flask-Login: a disabled user cannot log in
        return self.active

    def get_id(self) -> str:
        """Flask-Login's id in the session and the remember cookie: "id:version"."""
        if not self.session_version:
            self.session_version = _new_version()
        return f"{self.id}:{self.session_version}"

    def end_sessions(self) -> None:
        """Log the user out everywhere: on logout, "log out everywhere", a new password
        and deactivation. Cookies issued before no longer match (see the user loader)."""
        self.session_version = _new_version()

    def set_password(self, password: str) -> None:
        from werkzeug.security import generate_password_hash

        self.password_hash = generate_password_hash(password)
        self.end_sessions()


def _new_version() -> str:
    return secrets.token_hex(16)


class AuditLog(db.Model):
    """Every change and every export: who, when, what, in which role. Never updated.

    The database itself refuses UPDATE and DELETE on this table (triggers below), so
    not even a bug or a hand-typed SQL statement through the app can rewrite history;
    the app's runtime role may only INSERT and SELECT (docs/operations.md), and a hash
    chain over the rows shows any rewrite by the owner (`flask audit verify`).
    The username is copied, not referenced, so the log outlives the user.
    """

    __tablename__ = "audit_log"

    id: Mapped[int] = mapped_column(
        BigInteger().with_variant(Integer, "sqlite"), primary_key=True
    )
    at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, index=True)
    username: Mapped[str | None] = mapped_column(String(64))
    role: Mapped[str | None] = mapped_column(String(16))
    action: Mapped[str] = mapped_column(String(64))
    object_type: Mapped[str | None] = mapped_column(String(32))
    object_id: Mapped[str | None] = mapped_column(String(64))
    detail: Mapped[dict | None] = mapped_column(JSON)
    # Hash chain (services/audit_chain.py): the previous row's hash and this row's.
    prev_hash: Mapped[str | None] = mapped_column(String(64))
    row_hash: Mapped[str | None] = mapped_column(String(64))


# The same DDL is emitted by metadata.create_all (tests) and by the migration.
AUDIT_TRIGGERS_SQLITE = [
    DDL("CREATE TRIGGER audit_log_no_update BEFORE UPDATE ON audit_log "
        "BEGIN SELECT RAISE(ABORT, 'audit_log is append-only'); END"),
    DDL("CREATE TRIGGER audit_log_no_delete BEFORE DELETE ON audit_log "
        "BEGIN SELECT RAISE(ABORT, 'audit_log is append-only'); END"),
]
AUDIT_TRIGGERS_POSTGRES = [
    DDL("CREATE OR REPLACE FUNCTION audit_log_append_only() RETURNS trigger "
        "LANGUAGE plpgsql AS $$ BEGIN "
        "RAISE EXCEPTION 'audit_log is append-only'; END $$"),
    DDL("CREATE TRIGGER audit_log_no_change BEFORE UPDATE OR DELETE ON audit_log "
        "FOR EACH ROW EXECUTE FUNCTION audit_log_append_only()"),
    DDL("CREATE TRIGGER audit_log_no_truncate BEFORE TRUNCATE ON audit_log "
        "FOR EACH STATEMENT EXECUTE FUNCTION audit_log_append_only()"),
]
for _ddl in AUDIT_TRIGGERS_SQLITE:
    event.listen(AuditLog.__table__, "after_create", _ddl.execute_if(dialect="sqlite"))
for _ddl in AUDIT_TRIGGERS_POSTGRES:
    event.listen(AuditLog.__table__, "after_create", _ddl.execute_if(dialect="postgresql"))
event.listen(
    AuditLog.__table__,
    "after_drop",
    DDL("DROP FUNCTION IF EXISTS audit_log_append_only()").execute_if(dialect="postgresql"),
)

__all__ = ["AUDIT_TRIGGERS_POSTGRES", "AUDIT_TRIGGERS_SQLITE", "ROLES", "AuditLog", "User"]
