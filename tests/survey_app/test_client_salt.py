"""The client-address hash uses a random salt per day, shared by all workers and deleted
after 48 hours (issue 11, item 16); the survey page is never cached."""

from __future__ import annotations

import hashlib
import hmac
import os
import time

import pytest

from survey_app.services import privacy
from tests.conftest import make_app

REDIS = os.environ.get("TEST_REDIS_URL_SALT", "redis://127.0.0.1:6379/13")


def hash_on(app, day: str, address: str = "203.0.113.7", monkeypatch=None) -> str:
    monkeypatch.setattr(privacy, "_today", lambda: day)
    with app.app_context():
        return privacy.client_hash(address)


@pytest.fixture
def salts(tmp_path):
    return tmp_path / "salts"


def worker(tmp_path, salts, **extra):
    """An app as one gunicorn worker would build it (its own process state aside)."""
    return make_app(f"sqlite:///{tmp_path / 'w.sqlite3'}", CLIENT_SALT_DIR=str(salts), **extra)


def test_the_hash_cannot_be_recomputed_from_the_secret(tmp_path, salts, monkeypatch):
    app = worker(tmp_path, salts)
    day = "2026-03-01"
    ours = hash_on(app, day, monkeypatch=monkeypatch)
    # What an attacker holding SECRET_KEY computed for every IPv4 address before:
    salt = hmac.new(app.config["SECRET_KEY"].encode(), day.encode(), "sha256").digest()
    guess = hmac.new(salt, b"203.0.113.7", hashlib.sha256).hexdigest()[:32]
    assert ours != guess and len(ours) == 32


def test_workers_agree_on_the_day_and_days_differ(tmp_path, salts, monkeypatch):
    first, second = worker(tmp_path, salts), worker(tmp_path, salts)
    privacy._CACHE.clear()  # as if the second worker were another process
    a = hash_on(first, "2026-03-01", monkeypatch=monkeypatch)
    privacy._CACHE.clear()
    assert hash_on(second, "2026-03-01", monkeypatch=monkeypatch) == a
    assert hash_on(second, "2026-03-02", monkeypatch=monkeypatch) != a


def test_old_salts_are_deleted_after_48_hours(tmp_path, salts, monkeypatch):
    app = worker(tmp_path, salts)
    hash_on(app, "2026-03-01", monkeypatch=monkeypatch)
    old = salts / "2026-03-01.salt"
    assert old.exists() and oct(old.stat().st_mode & 0o777) == "0o600"
    long_ago = time.time() - privacy.SALT_SECONDS - 60
    os.utime(old, (long_ago, long_ago))
    hash_on(app, "2026-03-03", monkeypatch=monkeypatch)
    assert not old.exists() and (salts / "2026-03-03.salt").exists()
    assert not [k for k in privacy._CACHE if k.endswith("2026-03-01")]


def test_with_redis_the_salt_is_shared_and_expires(tmp_path, salts, monkeypatch):
    import redis

    try:
        store = redis.Redis.from_url(REDIS, socket_connect_timeout=2)
        store.ping()
    except redis.RedisError as exc:
        if os.environ.get("SIPAS_REQUIRE_REDIS") == "1":
            pytest.fail(f"Redis not reachable at {REDIS} ({exc})", pytrace=False)
        pytest.skip(f"SKIPPED (no Redis): {exc}")
    store.delete(privacy.REDIS_KEY + "2026-03-01")
    first = worker(tmp_path, salts, RATELIMIT_STORAGE_URI=REDIS)
    second = worker(tmp_path, tmp_path / "other", RATELIMIT_STORAGE_URI=REDIS)
    privacy._CACHE.clear()
    a = hash_on(first, "2026-03-01", monkeypatch=monkeypatch)
    privacy._CACHE.clear()
    assert hash_on(second, "2026-03-01", monkeypatch=monkeypatch) == a
    assert 0 < store.ttl(privacy.REDIS_KEY + "2026-03-01") <= privacy.SALT_SECONDS
    assert not salts.exists() or not list(salts.glob("*.salt"))  # nothing kept on disk
    store.delete(privacy.REDIS_KEY + "2026-03-01")


def test_the_survey_page_is_never_cached(client, world):
    reply = client.get(f"/s/{world.short_slug}")
    assert reply.status_code == 200 and reply.headers["Cache-Control"] == "no-store"
