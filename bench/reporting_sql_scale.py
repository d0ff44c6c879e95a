"""Time the SQL aggregation path on a large synthetic table (prints figures, asserts none).

    python bench/reporting_sql_scale.py [--database URL] [--responses 500000] [--units 200]

Default database: a schema `bench_sql` in TEST_POSTGRES_URL's database (kept between
runs, rebuilt when its size differs). 500,000 responses × 20 items = 10 million
answers over one reporting year. Prints the wall time of compute_indices_sql for the
whole year by unit × field, for each quarter by unit × field, and for the locality.
"""

from __future__ import annotations

import argparse
import io
import resource
import sys
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

import numpy as np
import sqlalchemy as sa

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bench.seeding import copy_answers, copy_rows, likert_values, schema_url
from survey_app import create_app
from survey_app.extensions import db
from survey_app.models import Field, InstrumentVersion, Unit
from survey_app.reporting import ReportScope, compute_indices_sql
from survey_app.seed.reference import sync_reference_data


def build(n_responses: int, n_units: int, seed: int = 1) -> None:
    rng = np.random.default_rng(seed)
    sync_reference_data()
    units = [Unit(code=f"B{i:04d}", name_vi=f"Đơn vị {i}", kind="xa", level="xa")
             for i in range(n_units)]
    db.session.add_all(units)
    db.session.commit()
    unit_ids = np.array([u.id for u in units])
    field_ids = np.array(db.session.scalars(db.select(Field.id)).all())
    iv = db.session.scalar(db.select(InstrumentVersion).filter_by(code="sipas-2022"))
    items = iv.instrument.items
    start = datetime(2025, 12, 9, 17, tzinfo=UTC)
    resp_unit = rng.choice(unit_ids, n_responses)
    resp_field = rng.choice(field_ids, n_responses)
    # sorted: ids grow with time, as they do when citizens submit one after another
    seconds = np.sort(rng.uniform(0, 364 * 86400, n_responses))
    unit_effect = dict(zip(unit_ids, rng.normal(2.0, 0.7, n_units), strict=True))
    iv_id = iv.id
    # No transaction of ours stays idle while we load: another bench's CREATE INDEX
    # CONCURRENTLY waits for every older transaction in the database, and a bare ANALYZE
    # then waited for its lock — a deadlock PostgreSQL cannot see (issue 16, shared host).
    db.session.commit()
    with db.engine.connect() as conn:
        buf = io.StringIO()
        for i in range(n_responses):
            when = (start + timedelta(seconds=float(seconds[i]))).isoformat()
            buf.write(f"{i + 1}\t{iv_id}\t{resp_unit[i]}\t{resp_field[i]}\tcounter_qr\t{when}"
                      f"\tvi\tb{i}\tvalid\n")
        copy_rows(conn, "responses", "id, instrument_version_id, unit_id, field_id, channel, "
                  "submitted_at, locale, submission_key, status", buf)
        base = np.array([unit_effect[u] for u in resp_unit]) + rng.normal(0, 1, n_responses)
        # Response-major, as the submission service writes them: a response's answers
        # sit together on disk, which the per-respondent aggregation relies on.
        copy_answers(conn, items, likert_values(rng, base, items))
        conn.execute(sa.text("SELECT setval(pg_get_serial_sequence('responses', 'id'), "
                             f"{n_responses})"))
        conn.commit()
        conn.execute(sa.text("ANALYZE responses, answers"))  # ours, not every schema's
        conn.commit()


def timed(label: str, fn, width: int = 55) -> None:
    t0 = time.perf_counter()
    out = fn()
    print(f"{label:{width}s} {time.perf_counter() - t0:7.2f} s  ({len(out)} rows)", flush=True)


def ensure_built(n_responses: int, n_units: int, then=None) -> None:
    """In an app context: (re)build the bench data unless the database already holds
    `n_responses` responses; `then()` finishes a fresh build (e.g. a bench's own columns)."""
    db.create_all()
    have = db.session.scalar(sa.text("SELECT count(*) FROM responses"))
    db.session.close()  # end the read transaction: drop_all below needs its locks
    if have == n_responses:
        return
    print(f"building {n_responses} responses ({have} present)…", flush=True)
    db.drop_all()
    db.create_all()
    t0 = time.perf_counter()
    build(n_responses, n_units)
    if then is not None:
        then()
    db.session.close()
    print(f"built in {time.perf_counter() - t0:.0f} s", flush=True)


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--database", default=None)
    ap.add_argument("--responses", type=int, default=500_000)
    ap.add_argument("--units", type=int, default=200)
    args = ap.parse_args()
    url = args.database or schema_url("bench_sql")
    app = create_app({"SQLALCHEMY_DATABASE_URI": url, "SECRET_KEY": "bench",
                      "DOSSIER_KEY": "bench"})
    with app.app_context():
        ensure_built(args.responses, args.units)
        answers = db.session.scalar(sa.text("SELECT count(*) FROM answers"))
        print(f"database: {db.engine.dialect.name}, {args.responses} responses, "
              f"{answers} answers, {args.units} units")
        year = ReportScope.for_period("2026-Y")
        timed("year, by unit × field", lambda: compute_indices_sql(year, by=("unit", "field")))
        timed("year, by unit", lambda: compute_indices_sql(year, by=("unit",)))
        timed("year, whole locality", lambda: compute_indices_sql(year))

        def quarters():
            import pandas as pd
            return pd.concat([compute_indices_sql(ReportScope.for_period(f"2026-Q{q}"),
                                                  by=("unit", "field")) for q in range(1, 5)])

        timed("4 quarters, by unit × field (period × unit × field)", quarters)
        peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
        print(f"peak memory of this process: {peak:.0f} MiB")


if __name__ == "__main__":
    main()
