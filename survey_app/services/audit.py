"""Append-only audit trail: every change and every export (who, when, what, which role).

`record()` adds the entry to the current session, so it commits (or rolls back) with
the change it describes: there is never a change without its entry, nor the reverse.
Each entry is linked into the hash chain (services/audit_chain.py) as it is written;
from then until the commit, other writers of the audit log wait.
"""

from __future__ import annotations

from typing import Any

from flask_login import current_user

from survey_app.extensions import db
from survey_app.models import AuditLog, utcnow
from survey_app.services.audit_chain import canonical_detail, lock_and_read_head, row_digest


def record(action: str, object_type: str | None = None, object_id: Any = None,
           user=None, **detail: Any) -> AuditLog:
    who = user if user is not None else current_user
    authenticated = getattr(who, "is_authenticated", False)
    entry = AuditLog(
        at=utcnow(),
        username=who.username if authenticated else None,
        role=who.role if authenticated else None,
        action=action,
        object_type=object_type,
        object_id=None if object_id is None else str(object_id),
        detail=canonical_detail(detail or None),
    )
    db.session.flush()  # earlier entries of this transaction are in the table: the head
    entry.prev_hash = lock_and_read_head(db.session.connection())
    entry.row_hash = row_digest(entry.prev_hash, entry.at, entry.username, entry.role,
                                entry.action, entry.object_type, entry.object_id,
                                entry.detail)
    db.session.add(entry)
    db.session.flush()
    return entry
