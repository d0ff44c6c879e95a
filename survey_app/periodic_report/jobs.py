"""Background generation of large reports, safe with several gunicorn workers.

No table, no queue: a report is a file `instance/reports/<key>.pdf`, where the key hashes
the query AND the user's visible scope (two users with the same scope share the file, a
user can never fetch a file built for another scope because the key is recomputed from
their own session, never taken from the URL). A lock file created with O_EXCL makes sure
only one worker builds a given report; a status file records failures. A lock older than
LOCK_STALE_SECONDS (a worker killed mid-build) is taken over.
"""

from __future__ import annotations

import hashlib
import json
import os
import threading
import time
from collections.abc import Callable
from pathlib import Path

from flask import Flask, current_app

from survey_app.services.scoping import visible_unit_ids

READY_SECONDS = 3600  # a built report is served for an hour, then rebuilt with new responses
LOCK_STALE_SECONDS = 900


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


def report_key(user, query, locale: str = "vi") -> str:
    visible = visible_unit_ids(user)
    scope = "all" if visible is None else sorted(visible)
    text = json.dumps([query.period, query.unit_id, query.field_id, query.method, scope, locale])
    return hashlib.sha256(text.encode()).hexdigest()[:32]


def _paths(key: str) -> tuple[Path, Path, Path]:
    folder = report_dir()
    return folder / f"{key}.pdf", folder / f"{key}.lock", folder / f"{key}.status"


def state(key: str) -> str:
    """ready, running, failed or missing."""
    pdf, lock, status = _paths(key)
    if pdf.exists() and time.time() - pdf.stat().st_mtime < READY_SECONDS:
        return "ready"
    if lock.exists() and time.time() - lock.stat().st_mtime < LOCK_STALE_SECONDS:
        return "running"
    if status.exists() and json.loads(status.read_text() or "{}").get("state") == "failed":
        return "failed"
    return "missing"


def pdf_path(key: str) -> Path:
    return _paths(key)[0]


def _take_lock(lock: Path) -> bool:
    try:
        fd = os.open(lock, os.O_CREAT | os.O_EXCL | os.O_WRONLY, 0o600)
    except FileExistsError:
        if time.time() - lock.stat().st_mtime < LOCK_STALE_SECONDS:
            return False
        lock.unlink(missing_ok=True)  # a dead worker's lock
        return _take_lock(lock)
    with os.fdopen(fd, "w") as fh:
        fh.write(str(os.getpid()))
    return True


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
        with app.app_context():
            write_report(key, build)

    threading.Thread(target=run, name=f"report-{key[:8]}", daemon=True).start()
    return True
