"""Bearer credentials: staff users' read-only API tokens and units' receipt-link API keys.

One rule for both: a credential is a random secret shown once when issued; only its
SHA-256 (hex) is stored (User.api_token_hash, Unit.api_key_hash), so a database leak does
not leak working credentials. Issuing again replaces the old one (rotation).
"""

from __future__ import annotations

import hashlib
import secrets

import sqlalchemy as sa

from survey_app.extensions import db
from survey_app.models import Unit, User

UNIT_KEY_PREFIX = "sipas_"
MAX_CREDENTIAL_LENGTH = 200


def secret_hash(secret: str) -> str:
    """How every credential is stored and looked up: SHA-256 of its UTF-8 bytes, hex."""
    return hashlib.sha256(secret.encode("utf-8")).hexdigest()


def new_secret(prefix: str = "") -> str:
    return prefix + secrets.token_urlsafe(32)


def _usable(secret: str | None, prefix: str = "") -> bool:
    return bool(secret) and len(secret) <= MAX_CREDENTIAL_LENGTH and secret.startswith(prefix)


def issue_user_token(user: User) -> str:
    """A new API token for the user (replaces any previous one); returned once."""
    token = new_secret(UNIT_KEY_PREFIX)
    user.api_token_hash = secret_hash(token)
    return token


def user_for_token(token: str | None) -> User | None:
    """The active user holding `token`, or None (no token, unknown token, disabled user)."""
    if not _usable(token):
        return None
    user = db.session.scalar(sa.select(User).filter_by(api_token_hash=secret_hash(token)))
    return user if user is not None and user.active else None


def issue_unit_key(unit: Unit) -> str:
    """A new receipt-link API key for the unit (replaces any previous one); returned once."""
    key = new_secret(UNIT_KEY_PREFIX)
    unit.api_key_hash = secret_hash(key)
    db.session.commit()
    return key


def revoke_unit_key(unit: Unit) -> None:
    unit.api_key_hash = None
    db.session.commit()


def unit_for_api_key(key: str | None) -> Unit | None:
    """The active unit holding `key`, or None."""
    if not _usable(key, UNIT_KEY_PREFIX):
        return None
    unit = db.session.scalar(sa.select(Unit).filter_by(api_key_hash=secret_hash(key)))
    return unit if unit is not None and unit.active else None
