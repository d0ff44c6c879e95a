"""Keyed hashes that let us enforce rules without keeping personal data.

- dossier codes: HMAC with the deployment's dossier key (stable, for one-response-per-dossier);
- client addresses: HMAC with a salt that changes every day, so a hash cannot be linked
  across days nor reversed by trying all IPv4 addresses without the secret.
"""

from __future__ import annotations

import hashlib
import hmac
from datetime import UTC, datetime

from flask import current_app, request


def dossier_hash(dossier_code: str) -> str:
    key = current_app.config["DOSSIER_KEY"].encode()
    normalised = dossier_code.strip().upper().encode("utf-8")
    return hmac.new(key, normalised, hashlib.sha256).hexdigest()


def _daily_salt() -> bytes:
    day = datetime.now(UTC).strftime("%Y-%m-%d")
    return hmac.new(current_app.config["SECRET_KEY"].encode(), day.encode(), "sha256").digest()


def client_hash(address: str | None = None) -> str:
    """32 hex characters identifying a client address for today only."""
    address = address if address is not None else (request.remote_addr or "unknown")
    return hmac.new(_daily_salt(), address.encode(), hashlib.sha256).hexdigest()[:32]


def client_key() -> str:
    """Flask-Limiter key function."""
    return client_hash()
