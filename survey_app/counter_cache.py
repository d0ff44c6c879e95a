"""A short-lived, per-process copy of the counters behind the citizen's form.

The form GET and the submission POST each need the counter with its unit, instrument
version and field. Counters change rarely (an administrator renames or deactivates one),
so each process keeps what it loaded for COUNTER_CACHE_SECONDS (default 10; 0 turns the
cache off). The copies are detached from any session: they are read, never written, and
the submission service takes only their ids into new rows.

A change made through the ORM in this process (the admin pages) empties the cache when it
is committed; another process sees the change within COUNTER_CACHE_SECONDS. So a
deactivated counter may accept forms for up to that long on other workers: a bounded,
documented delay (docs/operations.md) that costs nothing in data quality, since the
answers are real and the counter's unit is unchanged.
"""

from __future__ import annotations

import time

from flask import current_app, has_app_context
from sqlalchemy import event
from sqlalchemy.orm import Session

from survey_app.extensions import db

MAX_ENTRIES = 5000  # far more counters than one province has; beyond it, start again
_KEY = "sipas_counter_cache"


def _store() -> dict:
    return current_app.extensions.setdefault(_KEY, {})


def _seconds() -> float:
    return float(current_app.config.get("COUNTER_CACHE_SECONDS", 10))


def get(slug: str):
    if _seconds() <= 0:
        return None
    entry = _store().get(slug)
    if entry is None or entry[0] < time.monotonic():
        return None
    return entry[1]


def put(slug: str, counter) -> None:
    seconds = _seconds()
    if seconds <= 0:
        return
    # Everything the form and the submission read must be loaded before the copy leaves
    # the session; an attribute left unloaded would fail on the detached object later.
    _ = counter.unit.active, counter.instrument_version.instrument, counter.field
    store = _store()
    if len(store) >= MAX_ENTRIES:
        store.clear()
    db.session.expunge(counter)
    for related in (counter.unit, counter.instrument_version, counter.field):
        if related is not None and related in db.session:
            db.session.expunge(related)
    store[slug] = (time.monotonic() + seconds, counter)


def clear() -> None:
    if has_app_context():
        current_app.extensions.pop(_KEY, None)


_WATCHED = ("Counter", "Unit", "Field", "InstrumentVersion")


@event.listens_for(Session, "after_flush")
def _note_changes(session: Session, _context) -> None:
    for obj in (*session.new, *session.dirty, *session.deleted):
        if type(obj).__name__ in _WATCHED:
            session.info["sipas_counters_changed"] = True
            return


@event.listens_for(Session, "after_commit")
def _forget_on_commit(session: Session) -> None:
    if session.info.pop("sipas_counters_changed", False):
        clear()
