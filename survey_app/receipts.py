"""Receipt links for one dossier, asked for by the one-stop software, and the unit API keys.

A unit's API key is shown once when issued; only its SHA-256 is stored
(Unit.api_key_hash), so a database leak does not leak working keys.
"""

from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta

from survey_app.extensions import db
from survey_app.models import Counter, Unit
from survey_app.qr import receipt_url
from survey_app.submission import active_field
from survey_app.tokens import issue_receipt_token, receipt_link_seconds

KEY_PREFIX = "sipas_"
MAX_DOSSIER_CODE = 64
MAX_PROCEDURE_CODE = 40


class ReceiptLinkError(ValueError):
    """A request the link cannot be made for; `field` names the offending input."""

    def __init__(self, field: str, message: str):
        super().__init__(f"{field}: {message}")
        self.field = field
        self.message = message


@dataclass(frozen=True)
class ReceiptLink:
    url: str
    token: str
    expires_at: datetime
    counter: Counter


def hash_api_key(key: str) -> str:
    return hashlib.sha256(key.encode("utf-8")).hexdigest()


def issue_api_key(unit: Unit) -> str:
    """A new key for the unit, replacing any previous one (rotation); returns it once."""
    key = KEY_PREFIX + secrets.token_urlsafe(32)
    unit.api_key_hash = hash_api_key(key)
    db.session.commit()
    return key


def revoke_api_key(unit: Unit) -> None:
    unit.api_key_hash = None
    db.session.commit()


def unit_for_api_key(key: str | None) -> Unit | None:
    if not key or not key.startswith(KEY_PREFIX) or len(key) > 200:
        return None
    unit = db.session.scalar(db.select(Unit).filter_by(api_key_hash=hash_api_key(key)))
    return unit if unit is not None and unit.active else None


def _clean(value: object, field: str, limit: int, required: bool) -> str | None:
    if value is None or value == "":
        if required:
            raise ReceiptLinkError(field, "is required")
        return None
    if not isinstance(value, str):
        raise ReceiptLinkError(field, "must be a string")
    value = value.strip()
    if not value or len(value) > limit or not value.isprintable():
        raise ReceiptLinkError(field, f"must be 1–{limit} printable characters")
    return value


def make_receipt_link(unit: Unit, counter_code: object, dossier_code: object,
                      field_code: object = None, procedure_code: object = None,
                      base_url: str | None = None) -> ReceiptLink:
    """The survey link for one dossier at one of the unit's counters, valid RECEIPT_LINK_DAYS."""
    code = _clean(dossier_code, "dossier_code", MAX_DOSSIER_CODE, True)
    counter_code = _clean(counter_code, "counter", 32, True)
    field = _clean(field_code, "field", 32, False)
    procedure = _clean(procedure_code, "procedure_code", MAX_PROCEDURE_CODE, False)
    counter = db.session.scalar(db.select(Counter).filter_by(unit_id=unit.id, code=counter_code))
    if counter is None or not counter.active:
        raise ReceiptLinkError("counter", f"no active counter {counter_code!r} in unit {unit.code}")
    if field is not None and active_field(field) is None:
        raise ReceiptLinkError("field", f"unknown field code {field!r}")
    token = issue_receipt_token(counter.id, code, field, procedure)
    expires = datetime.now().astimezone() + timedelta(seconds=receipt_link_seconds())
    return ReceiptLink(receipt_url(counter, token, base_url), token, expires, counter)
