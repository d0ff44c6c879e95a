"""Login throttling that slows a password guesser without letting anyone lock a
colleague out (issue 11, item 5).

Only failed logins count, in three moving windows (settings in config.py):

- per (username, client): `LOGIN_RATE_LIMIT_ACCOUNT`; the guesser's own client is
  stopped, not the account;
- per client, any username: `LOGIN_RATE_LIMIT_CLIENT` (one client spraying names);
- per username, from every client: `LOGIN_RATE_LIMIT_ACCOUNT_GLOBAL`, a slower
  backoff against guessing from many addresses. Past it, the account is "locked"
  only for clients that have failed a login lately: a client with no failures (the
  real user at their desk) still gets its attempt, so an attacker cannot lock `admin`
  out, while each of the attacker's addresses gets one guess before it is stopped too.

A client is the daily client hash of services/privacy.py. Counts live in the
rate-limit store (Redis in production); if it is unreachable they are kept in this
process's memory until it is back, as for the other limits. Each lockout is logged
and audited once, when the failure that fills a window is counted.
"""

from __future__ import annotations

from flask import current_app, request
from limits import parse_many
from limits.storage import MemoryStorage
from limits.strategies import MovingWindowRateLimiter

from survey_app.extensions import db, limiter
from survey_app.services.audit import record
from survey_app.services.privacy import client_key

_fallback = MovingWindowRateLimiter(MemoryStorage())


def _strategy():
    try:
        strategy = limiter.limiter
        strategy.storage.check()
        return strategy
    except Exception:  # noqa: BLE001 - an unreachable store must not stop logins
        current_app.logger.warning("rate limit storage unreachable: login limits in memory")
        return _fallback


def _windows(username: str) -> dict[str, tuple[list, tuple[str, ...]]]:
    name = username.strip().lower()[:64]
    client = client_key()
    config = current_app.config
    return {
        "account_client": (parse_many(config["LOGIN_RATE_LIMIT_ACCOUNT"]),
                           ("login-fail", name, client)),
        "client": (parse_many(config["LOGIN_RATE_LIMIT_CLIENT"]), ("login-fail-client", client)),
        "account": (parse_many(config["LOGIN_RATE_LIMIT_ACCOUNT_GLOBAL"]),
                    ("login-fail-account", name)),
    }


def _full(strategy, limits, key) -> bool:
    return not all(strategy.test(item, *key) for item in limits)


def _client_is_clean(strategy, limits, key) -> bool:
    """No failure from this client in any of its windows."""
    return all(strategy.get_window_stats(item, *key).remaining == item.amount
               for item in limits)


def refused(username: str) -> bool:
    """True when this client may not try this username now (answer 429)."""
    strategy = _strategy()
    windows = _windows(username)
    if _full(strategy, *windows["account_client"]) or _full(strategy, *windows["client"]):
        return True
    if _full(strategy, *windows["account"]):
        return not _client_is_clean(strategy, *windows["client"])
    return False


def count_failure(username: str) -> None:
    """Count a failed login; log and audit a window that this failure fills."""
    strategy = _strategy()
    for scope, (limits, key) in _windows(username).items():
        was_full = _full(strategy, limits, key)
        for item in limits:
            strategy.hit(item, *key)
        if not was_full and _full(strategy, limits, key):
            current_app.logger.warning("login locked: %s failures for username %r from "
                                       "client %s", scope, username[:64], client_key()[:8])
            record("login.locked", "user", None, username=username[:64], scope=scope,
                   client=client_key()[:8], path=request.path)
            db.session.commit()
