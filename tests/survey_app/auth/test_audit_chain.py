"""The audit log's hash chain (issue 11, item 10b): `flask audit verify` accepts an
untouched log and names the first row that was changed or deleted behind the triggers'
back, on SQLite and PostgreSQL; concurrent writers keep one unbroken chain."""

from __future__ import annotations

import threading

import pytest
import sqlalchemy as sa

from survey_app.extensions import db
from survey_app.models import AuditLog
from survey_app.services.audit import record


def _write(app, n: int, start: int = 0) -> None:
    with app.test_request_context():
        for i in range(start, start + n):
            record("test.entry", "thing", i, note=f"mục {i}", values=(i, i + 0.5),
                   nested={"k": [1, 2]})
            db.session.commit()


def _ids(app) -> list[int]:
    with app.app_context():
        return db.session.scalars(sa.select(AuditLog.id).order_by(AuditLog.id)).all()


def _verify(app):
    return app.test_cli_runner().invoke(args=["audit", "verify"])


def test_untouched_log_verifies(any_app):
    _write(any_app, 5)
    result = _verify(any_app)
    assert result.exit_code == 0, result.output
    assert "5 rows, chain intact" in result.output


def _bypass_triggers(conn) -> None:
    if conn.dialect.name == "sqlite":
        conn.execute(sa.text("DROP TRIGGER audit_log_no_update"))
        conn.execute(sa.text("DROP TRIGGER audit_log_no_delete"))
    else:
        conn.execute(sa.text("ALTER TABLE audit_log DISABLE TRIGGER USER"))


@pytest.mark.parametrize("tamper", ["update", "delete", "update_and_rehash"])
def test_rewriting_behind_the_triggers_is_detected(any_app, tamper):
    _write(any_app, 5)
    ids = _ids(any_app)
    target = ids[2]
    with any_app.app_context(), db.engine.begin() as conn:
        _bypass_triggers(conn)
        if tamper == "update":
            conn.execute(sa.text("UPDATE audit_log SET username = 'someone' WHERE id = :i"),
                         {"i": target})
        elif tamper == "delete":
            conn.execute(sa.text("DELETE FROM audit_log WHERE id = :i"), {"i": target})
        else:  # the forger recomputes the row's own hash: the next row's link breaks
            from survey_app.services.audit_chain import row_digest

            row = conn.execute(sa.select(AuditLog.__table__).where(
                AuditLog.id == target)).one()
            forged = row_digest(row.prev_hash, row.at, "someone", row.role, row.action,
                                row.object_type, row.object_id, row.detail)
            conn.execute(sa.text("UPDATE audit_log SET username = 'someone', row_hash = :h"
                                 " WHERE id = :i"), {"h": forged, "i": target})
    result = _verify(any_app)
    assert result.exit_code == 1
    broken = ids[3] if tamper in ("delete", "update_and_rehash") else target
    assert f"chain broken at row {broken}" in result.output


@pytest.mark.postgres
def test_concurrent_writers_keep_one_chain_on_postgresql(pg_app):
    writers, each = 6, 15
    barrier = threading.Barrier(writers)
    errors: list[BaseException] = []

    def work(k: int) -> None:
        try:
            barrier.wait()
            _write(pg_app, each, start=k * 1000)
        except BaseException as exc:  # noqa: BLE001 - reported below
            errors.append(exc)

    threads = [threading.Thread(target=work, args=(k,)) for k in range(writers)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert not errors
    result = _verify(pg_app)
    assert result.exit_code == 0, result.output
    assert f"{writers * each} rows, chain intact" in result.output
