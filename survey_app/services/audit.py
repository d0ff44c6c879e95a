"""Append-only audit trail: every change and every export (who, when, what, which role).

`record()` adds the entry to the current session, so it commits (or rolls back) with
the change it describes: there is never a change without its entry, nor the reverse.
"""

from __future__ import annotations

from typing import Any

from flask_login import current_user

from survey_app.extensions import db
from survey_app.models import AuditLog


def record(action: str, object_type: str | None = None, object_id: Any = None,
           user=None, **detail: Any) -> AuditLog:
    who = user if user is not None else current_user
    authenticated = getattr(who, "is_authenticated", False)
    entry = AuditLog(
        username=who.username if authenticated else None,
        role=who.role if authenticated else None,
        action=action,
        object_type=object_type,
        object_id=None if object_id is None else str(object_id),
        detail=detail or None,
    )
    db.session.add(entry)
    return entry
