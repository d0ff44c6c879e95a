"""Database binding: SQLite pragmas for the embedded default, pool settings for PostgreSQL."""

from __future__ import annotations

from flask import Flask
from sqlalchemy import event
from sqlalchemy.engine import Engine

from survey_app.extensions import db


def _sqlite_pragmas(dbapi_connection, _record) -> None:
    # Foreign keys are off by default in SQLite; WAL lets readers work during writes;
    # busy_timeout makes concurrent writers wait instead of failing at once.
    cur = dbapi_connection.cursor()
    cur.execute("PRAGMA foreign_keys=ON")
    cur.execute("PRAGMA busy_timeout=10000")
    cur.execute("PRAGMA journal_mode=WAL")
    cur.execute("PRAGMA synchronous=NORMAL")
    cur.close()


def init_app(app: Flask) -> None:
    db.init_app(app)
    with app.app_context():
        engine: Engine = db.engine
        if engine.dialect.name == "sqlite" and not getattr(engine, "_sipas_pragmas", False):
            event.listen(engine, "connect", _sqlite_pragmas)
            engine._sipas_pragmas = True  # type: ignore[attr-defined]
