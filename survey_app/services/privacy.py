"""Keyed hashes that let us enforce rules without keeping personal data.

- dossier codes: HMAC with the deployment's dossier key (stable, for one-response-per-dossier);
- client addresses: HMAC with a random salt drawn for each UTC day. The salt is not
  derived from any lasting secret (an HMAC of the date with SECRET_KEY let anyone holding
  the secret recover 67 of 67 addresses in 0.19 s by trying all of IPv4), and it is
  deleted 48 hours after it was drawn, so older hashes cannot be reversed at all.

All workers must agree on the day's salt (the rate limits and the stored
`responses.client_hash` compare hashes across them): the salt lives in the shared
rate-limit store when that is Redis (key with a 48 h expiry), else in a private file
under instance/ (one host), removed after 48 h.
"""

from __future__ import annotations

import hashlib
import hmac
import os
import secrets
import time
from datetime import UTC, datetime
from pathlib import Path

from flask import current_app, request

SALT_SECONDS = 48 * 3600
REDIS_KEY = "sipas:client-salt:"
_CACHE: dict[str, bytes] = {}  # this process's copy of today's salt, per store


def dossier_hash(dossier_code: str) -> str:
    key = current_app.config["DOSSIER_KEY"].encode()
    normalised = dossier_code.strip().upper().encode("utf-8")
    return hmac.new(key, normalised, hashlib.sha256).hexdigest()


def _today() -> str:
    return datetime.now(UTC).strftime("%Y-%m-%d")


def _redis_salt(uri: str, day: str) -> bytes:
    import redis

    clients = current_app.extensions.setdefault("sipas_salt_redis", {})
    client = clients.get(uri) or clients.setdefault(uri, redis.Redis.from_url(uri))
    client.set(REDIS_KEY + day, secrets.token_hex(32), nx=True, ex=SALT_SECONDS)
    return client.get(REDIS_KEY + day)


def salt_dir() -> Path:
    from survey_app.config import private_dir

    return private_dir(current_app.config.get("CLIENT_SALT_DIR")
                       or Path(current_app.instance_path) / "client-salts")


def _file_salt(day: str) -> bytes:
    folder = salt_dir()
    for old in folder.glob("*.salt"):  # salts drawn more than 48 h ago are deleted
        if time.time() - old.stat().st_mtime > SALT_SECONDS:
            old.unlink(missing_ok=True)
    path = folder / f"{day}.salt"
    if not path.exists():
        draft = folder / f".{day}.{os.getpid()}.{secrets.token_hex(4)}"
        fd = os.open(draft, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(fd, "w") as fh:
            fh.write(secrets.token_hex(32))
        try:
            os.link(draft, path)  # the first worker's salt wins
        except FileExistsError:
            pass
        finally:
            draft.unlink()
    return path.read_bytes()


def _daily_salt() -> bytes:
    day = _today()
    uri = current_app.config.get("RATELIMIT_STORAGE_URI") or "memory://"
    shared = uri.startswith(("redis://", "rediss://"))
    key = f"{uri if shared else salt_dir()}|{day}"
    salt = _CACHE.get(key)
    if salt is None:
        if shared:
            try:
                salt = _redis_salt(uri, day)
            except Exception:  # noqa: BLE001 - Redis down: limits fall back to memory too
                current_app.logger.warning("client salt: Redis unreachable, using a local salt")
                salt = _file_salt(day)
        else:
            salt = _file_salt(day)
        for old in [k for k in _CACHE if not k.endswith(day)]:
            del _CACHE[old]  # yesterday's salt leaves the process's memory too
        _CACHE[key] = salt
    return salt


def client_hash(address: str | None = None) -> str:
    """32 hex characters identifying a client address for today only."""
    address = address if address is not None else (request.remote_addr or "unknown")
    return hmac.new(_daily_salt(), address.encode(), hashlib.sha256).hexdigest()[:32]


def client_key() -> str:
    """Flask-Limiter key function."""
    return client_hash()
