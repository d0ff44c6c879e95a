"""sessions and audit chain: a per-user session version; a hash chain over the audit log

- users.session_version: a random value carried in the session and the remember cookie;
  replacing it (logout, "log out everywhere", new password, deactivation) ends every
  session of the user. Existing users get one each, so cookies issued before this
  migration (which carry the bare id) no longer log anyone in.
- audit_log.prev_hash, audit_log.row_hash: the hash chain of services/audit_chain.py.
  The rows already there are chained here, in id order. The append-only triggers are
  lifted for that one UPDATE and put back in the same transaction.

The digest is written out here rather than imported, so this migration keeps meaning
what it meant when the app's code moves on; tests/migrations/test_migrations.py checks that
`flask audit verify` accepts the chain it builds.

Revision ID: 0004
Revises: 0003
"""

import hashlib
import json
import secrets
from datetime import UTC

import sqlalchemy as sa
from alembic import op

from survey_app.models.base import UTCDateTime

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None

GENESIS = "0" * 64


def _digest(prev_hash, at, username, role, action, object_type, object_id, detail):
    stamp = at.astimezone(UTC).isoformat(timespec="microseconds") if at else None
    content = [prev_hash, stamp, username, role, action, object_type, object_id, detail]
    text = json.dumps(content, sort_keys=True, ensure_ascii=False, separators=(",", ":"))
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


audit = sa.table(
    "audit_log", sa.column("id", sa.Integer), sa.column("at", UTCDateTime),
    sa.column("username", sa.String), sa.column("role", sa.String),
    sa.column("action", sa.String), sa.column("object_type", sa.String),
    sa.column("object_id", sa.String), sa.column("detail", sa.JSON),
    sa.column("prev_hash", sa.String), sa.column("row_hash", sa.String))
users = sa.table("users", sa.column("id", sa.Integer), sa.column("session_version", sa.String))

SQLITE_TRIGGERS = [
    "CREATE TRIGGER audit_log_no_update BEFORE UPDATE ON audit_log "
    "BEGIN SELECT RAISE(ABORT, 'audit_log is append-only'); END",
    "CREATE TRIGGER audit_log_no_delete BEFORE DELETE ON audit_log "
    "BEGIN SELECT RAISE(ABORT, 'audit_log is append-only'); END",
]


def upgrade():
    bind = op.get_bind()
    op.add_column("users", sa.Column("session_version", sa.String(length=32), nullable=True))
    for (user_id,) in bind.execute(sa.select(users.c.id)).all():
        bind.execute(users.update().where(users.c.id == user_id)
                     .values(session_version=secrets.token_hex(16)))

    op.add_column("audit_log", sa.Column("prev_hash", sa.String(length=64), nullable=True))
    op.add_column("audit_log", sa.Column("row_hash", sa.String(length=64), nullable=True))
    rows = bind.execute(sa.select(audit).order_by(audit.c.id)).all()
    if not rows:
        return
    if bind.dialect.name == "sqlite":
        op.execute("DROP TRIGGER audit_log_no_update")
    else:
        op.execute("ALTER TABLE audit_log DISABLE TRIGGER audit_log_no_change")
    prev = GENESIS
    for row in rows:
        row_hash = _digest(prev, row.at, row.username, row.role, row.action,
                           row.object_type, row.object_id, row.detail)
        bind.execute(audit.update().where(audit.c.id == row.id)
                     .values(prev_hash=prev, row_hash=row_hash))
        prev = row_hash
    if bind.dialect.name == "sqlite":
        op.execute(SQLITE_TRIGGERS[0])
    else:
        op.execute("ALTER TABLE audit_log ENABLE TRIGGER audit_log_no_change")


def downgrade():
    # Dropping columns rebuilds the table on SQLite, which loses its triggers: put the
    # append-only triggers back afterwards.
    with op.batch_alter_table("audit_log", schema=None) as batch_op:
        batch_op.drop_column("row_hash")
        batch_op.drop_column("prev_hash")
    if op.get_bind().dialect.name == "sqlite":
        for statement in SQLITE_TRIGGERS:
            op.execute(f"DROP TRIGGER IF EXISTS {statement.split()[2]}")
            op.execute(statement)
    with op.batch_alter_table("users", schema=None) as batch_op:
        batch_op.drop_column("session_version")
