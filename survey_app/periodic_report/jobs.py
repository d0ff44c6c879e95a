"""Built reports, cached as files, and the background generation of large ones, safe with
several gunicorn workers.

No table, no queue: a report is a file `instance/reports/<key>.pdf`, where the key hashes
the query, the user's visible scope AND the version of the data it reads (`data_version`:
the responses of the scope over the trend's periods, and the audited changes to units,
targets, volumes, fields, instruments and reviews). Two users with the same scope share
the file; a user can never fetch a file built for another scope because the key is
recomputed from their own session, never taken from the URL; and a new response or a
changed target gives a new key, so a cached report is never stale. A lock file created
with O_EXCL makes sure only one worker builds a given report; a status file records
failures, which stay on show until the user asks for a retry. A lock older than
LOCK_STALE_SECONDS (a worker killed mid-build) is taken over. Builds, in a request or in
the background, take one of REPORT_BUILD_SLOTS (default 1) host-wide slots, lock files
like the keys' own: a burst of reports queues (the user sees the "being built" page)
instead of taking every worker and core from the citizens' requests.
"""

from __future__ import annotations

import hashlib
import json
import os
import socket
import threading
import time
from collections.abc import Callable
from dataclasses import replace
from pathlib import Path

import sqlalchemy as sa
from flask import Flask, current_app

from survey_app.services.scoping import visible_unit_ids

READY_SECONDS = 24 * 3600  # the data version is in the key: this only bounds disk use
LOCK_STALE_SECONDS = 900
BUILD_SLOTS = threading.BoundedSemaphore(1)  # per process; REPORT_BUILD_SLOTS per host
SLOT_POLL_SECONDS = 0.5
TREND_PERIODS = 6  # the report's trend reads this many periods back (dashboard._trend)
# Audited actions that change what a report shows (anything else, e.g. an export or a
# login, does not make a new version).
REPORT_INPUTS = ("unit.", "target.", "volume.", "import.", "response.", "field.",
                 "instrument.")


def report_dir() -> Path:
    path = Path(current_app.config["REPORT_DIR"]
                or Path(current_app.instance_path) / "reports")
    path.mkdir(mode=0o700, parents=True, exist_ok=True)  # reports name units and figures
    return path


def _write_private(path: Path, data: bytes) -> None:
    """Write a file only this account can read (0600), whatever the umask."""
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "wb") as fh:
        fh.write(data)


def report_key(user, query, locale: str = "vi", version: str = "") -> str:
    visible = visible_unit_ids(user)
    scope = "all" if visible is None else sorted(visible)
    # The database too: two databases (a test's, a copy) sharing the folder must not
    # share files whose versions happen to read the same.
    database = current_app.config.get("SQLALCHEMY_DATABASE_URI", "")
    as_of = query.as_of.isoformat() if query.as_of else None  # the structure shown
    text = json.dumps([query.period, query.unit_id, query.field_id, query.method, query.role,
                       as_of, scope, locale, version, database])
    return hashlib.sha256(text.encode()).hexdigest()[:32]


def data_version(scope, period: str) -> str:
    """What the report of `scope` (period `period`) reads, in three numbers: the count and
    the highest id of the valid responses of its units and fields over the trend's
    periods, and the last audited change to its reference data (two short queries)."""
    from analysis.periods import period_bounds
    from survey_app.extensions import db
    from survey_app.models import AuditLog, Response
    from survey_app.reporting.dashboard import recent_periods
    from survey_app.reporting.indices import response_filters

    start = min(period_bounds(recent_periods(period, TREND_PERIODS)[0])[0], scope.start)
    window = replace(scope, start=start)
    count, last = db.session.execute(
        sa.select(sa.func.count(Response.id), sa.func.max(Response.id))
        .where(*response_filters(window))).one()
    changed = db.session.scalar(sa.select(sa.func.max(AuditLog.id)).where(
        sa.or_(*(AuditLog.action.startswith(prefix) for prefix in REPORT_INPUTS))))
    return f"{count}:{last or 0}:{changed or 0}"


def _paths(key: str) -> tuple[Path, Path, Path]:
    folder = report_dir()
    return folder / f"{key}.pdf", folder / f"{key}.lock", folder / f"{key}.status"


def state(key: str) -> str:
    """ready, running, failed or missing."""
    pdf, lock, status = _paths(key)
    if pdf.exists() and time.time() - pdf.stat().st_mtime < READY_SECONDS:
        return "ready"
    if (lock.exists() and time.time() - lock.stat().st_mtime < LOCK_STALE_SECONDS
            and not _holder_gone(lock)):
        return "running"
    if status.exists() and json.loads(status.read_text() or "{}").get("state") == "failed":
        return "failed"
    return "missing"


def pdf_path(key: str) -> Path:
    return _paths(key)[0]


def _holder_gone(lock: Path) -> bool:
    """The lock was taken on this host by a process that no longer exists (a worker
    stopped or killed mid-build): no need to wait LOCK_STALE_SECONDS for it."""
    try:
        *host, pid = lock.read_text().split()  # "host pid" (a bare pid: this host)
        if host and host[0] != socket.gethostname():
            return False
        os.kill(int(pid), 0)
    except ProcessLookupError:
        return True
    except (OSError, ValueError):
        return False
    return False


def _take_lock(lock: Path) -> bool:
    try:
        fd = os.open(lock, os.O_CREAT | os.O_EXCL | os.O_WRONLY, 0o600)
    except FileExistsError:
        try:
            fresh = time.time() - lock.stat().st_mtime < LOCK_STALE_SECONDS
        except FileNotFoundError:  # released meanwhile
            return _take_lock(lock)
        if fresh and not _holder_gone(lock):
            return False
        lock.unlink(missing_ok=True)  # a dead worker's lock
        return _take_lock(lock)
    with os.fdopen(fd, "w") as fh:
        fh.write(f"{socket.gethostname()} {os.getpid()}")
    return True


def clear_failure(key: str) -> None:
    """Forget a failed build, so that the next request builds again (the user asked)."""
    _paths(key)[2].unlink(missing_ok=True)


def _take_slot() -> Path | None:
    """One of the host's REPORT_BUILD_SLOTS build slots (lock files shared by every worker),
    or None when all are taken: reports then queue, and the other cores stay free for the
    citizens' requests (bench/report_flood.py)."""
    slots = max(int(current_app.config["REPORT_BUILD_SLOTS"]), 1)
    for n in range(slots):
        slot = report_dir() / f".build-slot-{n}"
        if _take_lock(slot):
            return slot
    return None


def build_now(key: str, build: Callable[[], bytes]) -> bool:
    """Build in this request if the key is free and a build slot too; True when the file
    is ready. False: failed, being built elsewhere, or no slot (then `start` queues it)."""
    pdf, lock, _status = _paths(key)
    slot = _take_slot()
    if slot is None:
        return False
    try:
        if not _take_lock(lock):
            return False
        write_report(key, build)
    finally:
        slot.unlink(missing_ok=True)
    return state(key) == "ready"


def write_report(key: str, build: Callable[[], bytes]) -> None:
    """Build and publish atomically (write to a temporary name, then rename)."""
    pdf, lock, status = _paths(key)
    try:
        data = build()
        tmp = pdf.with_suffix(f".{os.getpid()}.tmp")
        _write_private(tmp, data)
        os.replace(tmp, pdf)
        _write_private(status, json.dumps({"state": "ready"}).encode())
    except Exception as exc:
        current_app.logger.exception("report %s failed", key)
        _write_private(status, json.dumps({"state": "failed",
                                            "error": type(exc).__name__}).encode())
    finally:
        lock.unlink(missing_ok=True)


def start(app: Flask, key: str, build: Callable[[], bytes]) -> bool:
    """Start building in a background thread unless some worker already is; True if started."""
    pdf, lock, status = _paths(key)
    if not _take_lock(lock):
        return False
    status.unlink(missing_ok=True)

    def run() -> None:
        with BUILD_SLOTS, app.app_context():
            while (slot := _take_slot()) is None:  # queue for a host slot, lock kept fresh
                os.utime(lock)
                time.sleep(SLOT_POLL_SECONDS)
            try:
                write_report(key, build)
            finally:
                slot.unlink(missing_ok=True)

    threading.Thread(target=run, name=f"report-{key[:8]}", daemon=True).start()
    return True
