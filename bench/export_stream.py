"""Stream the anonymised-responses CSV of a large database through the real route and print
peak memory and time (prints figures, asserts none).

    python bench/export_stream.py [--database URL] [--responses 1000000] [--units 200]

Default database: a schema `bench_export` in TEST_POSTGRES_URL's database, seeded by
bench/reporting_sql_scale.py's builder (kept between runs, rebuilt when its size differs).
The export is requested with the Flask test client as a logged-in analyst (login form,
CSRF and all) and the streamed body is consumed chunk by chunk without being kept, like
a browser saving it to disk. Peak memory is the process's maximum resident set size
(resource.getrusage): printed before and after the export, so the growth is the export's.
"""

from __future__ import annotations

import argparse
import resource
import sys
import time
from pathlib import Path

import sqlalchemy as sa

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bench.reporting_sql_scale import ensure_built, schema_url
from survey_app import create_app
from survey_app.extensions import db
from survey_app.models import User
from tests.conftest import StaffAuth


def peak_mib() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--database", default=None)
    ap.add_argument("--responses", type=int, default=1_000_000)
    ap.add_argument("--units", type=int, default=200)
    ap.add_argument("--period", default="2026-Y")
    args = ap.parse_args()
    url = args.database or schema_url("bench_export")
    app = create_app({"SQLALCHEMY_DATABASE_URI": url, "SECRET_KEY": "bench",
                      "DOSSIER_KEY": "bench", "RATELIMIT_STORAGE_URI": "memory://"})
    with app.app_context():
        ensure_built(args.responses, args.units)
        if not db.session.scalar(sa.select(User.id).filter_by(username="bench-analyst")):
            from werkzeug.security import generate_password_hash
            db.session.add(User(username="bench-analyst", role="analyst",
                                password_hash=generate_password_hash("bench-password-long")))
            db.session.commit()
        answers = db.session.scalar(sa.text("SELECT count(*) FROM answers"))
        print(f"database: {db.engine.dialect.name}, {args.responses} responses, {answers} answers",
              flush=True)
    client = app.test_client()
    assert StaffAuth(client).login("bench-analyst", "bench-password-long").status_code == 302
    before = peak_mib()
    print(f"peak RSS before the export: {before:.0f} MiB", flush=True)
    t0 = time.perf_counter()
    response = client.get(f"/xuat/phieu.csv?ky={args.period}", buffered=False)
    assert response.status_code == 200, response.status_code
    size = lines = chunks = 0
    for chunk in response.response:
        size += len(chunk)
        lines += chunk.count(b"\n")
        chunks += 1
    response.close()
    elapsed = time.perf_counter() - t0
    after = peak_mib()
    print(f"exported {lines - 1} responses, {size / 1e6:.0f} MB in {chunks} chunks, "
          f"{elapsed:.1f} s ({(lines - 1) / elapsed:,.0f} rows/s)")
    print(f"peak RSS after the export: {after:.0f} MiB (growth {after - before:.0f} MiB)")


if __name__ == "__main__":
    main()
