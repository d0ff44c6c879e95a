"""Signed tokens of the citizen's path: the one-time form token and the receipt (dossier) link.

Both are itsdangerous signatures with the app's SECRET_KEY and a salt of their own, so a
token of one kind can never be replayed as the other.

- The **form token** is issued with every survey form. It names the counter and the time
  it was issued; its nonce, hashed, becomes `Response.submission_key`, so a double tap, a
  refresh or a network retry of the same form can store at most one response.
- The **receipt token** is printed (as a QR code) on the one-stop receipt. It carries the
  keyed hash of the dossier code – never the code itself, so the code appears in no URL,
  log or database – plus the counter and, when known, the field, the procedure code and
  the deciding agency (a unit id; NĐ 118/2025: the agency that decides a dossier is often
  not the one that received it). Links printed before the agency was carried (four
  elements) stay valid.
"""

from __future__ import annotations

import base64
import hashlib
import secrets
from dataclasses import dataclass
from datetime import UTC, datetime

from flask import current_app
from itsdangerous import BadSignature, SignatureExpired, URLSafeTimedSerializer

from survey_app.services.privacy import dossier_hash

FORM_SALT = "sipas-form-token"
RECEIPT_SALT = "sipas-receipt-link"


class TokenInvalid(ValueError):
    """The token was tampered with, truncated or belongs to another counter."""


class TokenExpired(ValueError):
    """The token is genuine but too old."""


def _serializer(salt: str) -> URLSafeTimedSerializer:
    return URLSafeTimedSerializer(current_app.config["SECRET_KEY"], salt=salt)


def _load(salt: str, token: str, max_age: int) -> tuple[object, datetime]:
    try:
        payload, issued = _serializer(salt).loads(token, max_age=max_age, return_timestamp=True)
    except SignatureExpired:
        raise TokenExpired() from None
    except (BadSignature, UnicodeError, ValueError, TypeError):
        raise TokenInvalid() from None
    return payload, issued.astimezone(UTC)


# --- form token ---------------------------------------------------------------------


@dataclass(frozen=True)
class FormToken:
    counter_id: int
    nonce: str
    issued_at: datetime

    @property
    def submission_key(self) -> str:
        """What Response.submission_key stores: a hash of the nonce, not the token text."""
        return hashlib.sha256(f"form:{self.nonce}".encode()).hexdigest()


def issue_form_token(counter_id: int) -> str:
    return _serializer(FORM_SALT).dumps([counter_id, secrets.token_urlsafe(16)])


def read_form_token(token: str, counter_id: int) -> FormToken:
    """Verify a form token for this counter; raises TokenInvalid / TokenExpired."""
    hours = current_app.config["FORM_TOKEN_HOURS"]
    payload, issued = _load(FORM_SALT, token or "", int(hours * 3600))
    if (not isinstance(payload, list) or len(payload) != 2 or payload[0] != counter_id
            or not isinstance(payload[1], str)):
        raise TokenInvalid()
    return FormToken(counter_id, payload[1], issued)


# --- receipt (dossier) token ---------------------------------------------------------


@dataclass(frozen=True)
class DossierClaim:
    """What a receipt link tells about the citizen's dossier."""

    counter_id: int
    dossier_hash: str
    field_code: str | None
    procedure_code: str | None
    issued_at: datetime
    deciding_unit_id: int | None = None


def issue_receipt_token(counter_id: int, dossier_code: str, field_code: str | None = None,
                        procedure_code: str | None = None,
                        deciding_unit_id: int | None = None) -> str:
    """A signed token for one dossier; only the keyed hash of the code goes in it."""
    return token_for_dossier_hash(counter_id, dossier_hash(dossier_code), field_code,
                                  procedure_code, deciding_unit_id)


def token_for_dossier_hash(counter_id: int, hashed: str, field_code: str | None = None,
                           procedure_code: str | None = None,
                           deciding_unit_id: int | None = None) -> str:
    """The same token from the stored keyed hash (the outbox never sees the code)."""
    digest = bytes.fromhex(hashed)
    compact = base64.urlsafe_b64encode(digest).rstrip(b"=").decode()
    payload = [counter_id, compact, field_code, procedure_code]
    if deciding_unit_id is not None:
        payload.append(deciding_unit_id)
    return _serializer(RECEIPT_SALT).dumps(payload)


def receipt_link_seconds() -> int:
    return int(current_app.config["RECEIPT_LINK_DAYS"]) * 86400


def read_receipt_token(token: str, counter_id: int) -> DossierClaim:
    """Verify a receipt token for this counter; raises TokenInvalid / TokenExpired."""
    payload, issued = _load(RECEIPT_SALT, token or "", receipt_link_seconds())
    try:
        token_counter, compact, field_code, procedure_code, *rest = payload  # type: ignore[misc]
        digest = base64.urlsafe_b64decode(compact + "=" * (-len(compact) % 4))
    except (TypeError, ValueError):
        raise TokenInvalid() from None
    deciding = rest[0] if rest else None
    if (token_counter != counter_id or len(digest) != 32 or len(rest) > 1
            or not (deciding is None or (type(deciding) is int and deciding > 0))):
        raise TokenInvalid()
    return DossierClaim(counter_id, digest.hex(), field_code, procedure_code, issued, deciding)
