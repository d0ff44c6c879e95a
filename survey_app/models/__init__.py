"""All tables of the system, in one place (imported by migrations/env.py)."""

from survey_app.models.access import ROLES, AuditLog, User
from survey_app.models.base import Base, db, utcnow
from survey_app.models.lineage import LINEAGE_CHANGES, LineageCounter, UnitLineage
from survey_app.models.organisation import (
    TWO_TIER_SINCE,
    UNIT_KINDS,
    UNIT_LEVELS,
    Counter,
    Field,
    Unit,
    district_outlives_reform,
    is_district,
)
from survey_app.models.outbox import (
    ARMS,
    DOSSIER_CHANNELS,
    INVITATION_CHANNELS,
    INVITATION_STATUSES,
    DossierEvent,
    Invitation,
)
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
    "ARMS", "DOSSIER_CHANNELS", "INVITATION_CHANNELS", "INVITATION_STATUSES", "DossierEvent",
    "Invitation", "CHANNELS", "COMMENT_STATUSES", "LINEAGE_CHANGES", "RESPONSE_STATUSES", "ROLES",
    "TARGET_METRICS", "TARGET_SCOPES", "TWO_TIER_SINCE", "UNIT_KINDS", "UNIT_LEVELS", "Answer",
    "AuditLog", "Base", "Comment", "Counter", "DossierVolume", "Field", "InstrumentVersion",
    "LineageCounter", "ReceiptLinkCount", "Response", "Target", "Unit", "UnitLineage", "User", "db",
    "district_outlives_reform", "is_district", "utcnow",
]
