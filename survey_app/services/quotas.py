"""Counting against a limit from inside a view, in Flask-Limiter's store.

The decorators of Flask-Limiter count every request that reaches a view. Some budgets
must count only part of them: a counter's limit only submissions whose tokens verify
(junk must not close a counter to citizens), an API key's quota only links issued, a
user's report builds only actual builds (a cached report costs nothing). `spend` counts
one against such a budget in the same store (memory, or Redis with several workers).
"""

from __future__ import annotations

from flask import current_app
from limits import parse_many
from limits.strategies import MovingWindowRateLimiter

from survey_app.extensions import limiter


def spend(limit: str, *key: str) -> bool:
    """Count one against every window of `limit` ("120 per minute;1000 per day") for `key`;
    False, counting nothing more, when one of them is used up.

    A broken store lets the request through, as Flask-Limiter does with
    RATELIMIT_SWALLOW_ERRORS: citizens keep answering while Redis restarts."""
    items = parse_many(limit)
    try:
        strategy = limiter.limiter
        if len(items) == 1 and isinstance(strategy, MovingWindowRateLimiter):
            # One window: the moving window's hit is itself "count unless used up" (one
            # atomic step in the store), so the test before it was a second round trip
            # on every citizen's POST.
            return strategy.hit(items[0], *key)
        if not all(strategy.test(item, *key) for item in items):
            return False
        return all([strategy.hit(item, *key) for item in items])
    except Exception:
        current_app.logger.exception("rate-limit store unavailable for %s", key[:1])
        return True


def first_time(key: str, seconds: int) -> bool:
    """True the first time `key` is seen within `seconds` (a token counted once)."""
    return spend(f"1 per {max(int(seconds), 1)} second", "once", key)
