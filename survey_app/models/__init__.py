"""All tables of the system, in one place (imported by migrations/env.py)."""

from survey_app.models.access import ROLES, AuditLog, User
from survey_app.models.base import Base, db, utcnow
from survey_app.models.organisation import UNIT_KINDS, UNIT_LEVELS, Counter, Field, Unit
from survey_app.models.planning import (
    TARGET_METRICS,
    TARGET_SCOPES,
    DossierVolume,
    ReceiptLinkCount,
    Target,
)
from survey_app.models.survey import (
    CHANNELS,
    COMMENT_STATUSES,
    RESPONSE_STATUSES,
    Answer,
    Comment,
    InstrumentVersion,
    Response,
)

__all__ = [
    "CHANNELS", "COMMENT_STATUSES", "RESPONSE_STATUSES", "ROLES", "TARGET_METRICS",
    "TARGET_SCOPES", "UNIT_KINDS", "UNIT_LEVELS", "Answer", "AuditLog", "Base", "Comment",
    "Counter", "DossierVolume", "Field", "InstrumentVersion", "ReceiptLinkCount", "Response",
    "Target", "Unit", "User", "db", "utcnow",
]
