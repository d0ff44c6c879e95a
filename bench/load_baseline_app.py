"""The baseline of the load test: the least a Flask app can do for one submission.

GET /s/<slug> returns a tiny form with the same hidden fields the real form has (so the
same simulated phones can drive it) and POST /s/<slug> inserts one row with SQLAlchemy
and answers 303, under the same gunicorn settings and database as the real app. The ratio
of the real app's rate to this one is the cost of everything we check and store.

    gunicorn 'bench.load_baseline_app:create_app()'   (SIPAS_DATABASE_URL as for the app)
"""

from __future__ import annotations

import os
from pathlib import Path

import sqlalchemy as sa
from flask import Flask, redirect, request

FORM = """<!doctype html><html lang="vi"><body><form method="post">
<input type="hidden" name="csrf_token" value="x"><input type="hidden" name="form_token" value="y">
<input type="radio" name="q_TT" value="1"><input type="radio" name="q_TT" value="2">
<input type="radio" name="q_TT" value="3"><button type="submit">Gửi</button></form></body></html>"""

metadata = sa.MetaData()
baseline = sa.Table(
    "bench_baseline", metadata,
    sa.Column("id", sa.Integer, primary_key=True),
    sa.Column("slug", sa.String(32), nullable=False),
    sa.Column("value", sa.String(8)),
)


def create_app() -> Flask:
    app = Flask(__name__)
    url = os.environ.get("SIPAS_DATABASE_URL") or f"sqlite:///{Path('instance/baseline.sqlite3')}"
    url = url.replace("postgresql://", "postgresql+psycopg://", 1)
    engine = sa.create_engine(url, pool_pre_ping=True)
    if engine.dialect.name == "sqlite":
        @sa.event.listens_for(engine, "connect")
        def _pragmas(conn, _record):  # the same pragmas as survey_app.web.database
            for pragma in ("foreign_keys=ON", "busy_timeout=10000", "journal_mode=WAL",
                           "synchronous=NORMAL"):
                conn.execute(f"PRAGMA {pragma}")
    metadata.create_all(engine)  # the bench creates it first; workers only check

    @app.get("/healthz")
    def healthz():
        return {"status": "ok"}

    @app.get("/s/<slug>")
    def form(slug: str):  # noqa: ARG001 - Flask passes the route's variable by name
        return FORM

    @app.post("/s/<slug>")
    def submit(slug: str):
        with engine.begin() as conn:
            conn.execute(baseline.insert().values(slug=slug[:32], value=request.form.get("q_TT")))
        return redirect(f"/s/{slug}/cam-on", code=303)

    return app
