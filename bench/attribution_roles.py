"""Time the receiving and the deciding view of the SQL path (prints figures, asserts none).

    python bench/attribution_roles.py [--database URL] [--responses 60000] [--units 100]

Default database: a schema `bench_roles` in TEST_POSTGRES_URL's database (kept between
runs, rebuilt when its size differs). The responses of bench/reporting_sql_scale.py over
one year, then a deciding agency for some of them: 40 % decided by their receiving
unit, 30 % by another unit (a department, say), 30 % with none recorded (they fall back
to the receiving unit in the deciding view). Prints, for each role, the wall time of the
year by unit, of one unit's year (the selective path) and of the whole locality.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

import numpy as np
import sqlalchemy as sa

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bench.reporting_sql_scale import ensure_built, timed
from bench.seeding import schema_url
from survey_app import create_app
from survey_app.extensions import db
from survey_app.reporting import ReportScope, compute_indices_sql
from survey_app.reporting.indices import fallback_count


def assign_deciding(seed: int = 2) -> None:
    rng = np.random.default_rng(seed)
    rows = db.session.execute(sa.text("SELECT id, unit_id FROM responses ORDER BY id")).all()
    units = np.array(sorted({u for _, u in rows}))
    draw = rng.uniform(size=len(rows))
    other = rng.choice(units, len(rows))
    values = [(int(i), int(u) if d < 0.4 else int(o) if d < 0.7 else None)
              for (i, u), d, o in zip(rows, draw, other, strict=True)]
    db.session.execute(sa.text("UPDATE responses SET deciding_unit_id = :d WHERE id = :i"),
                       [{"i": i, "d": d} for i, d in values])
    db.session.commit()
    db.session.execute(sa.text("ANALYZE responses"))
    db.session.commit()


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--database", default=None)
    ap.add_argument("--responses", type=int, default=60_000)
    ap.add_argument("--units", type=int, default=100)
    args = ap.parse_args()
    url = args.database or schema_url("bench_roles")
    app = create_app({"SQLALCHEMY_DATABASE_URI": url, "SECRET_KEY": "bench",
                      "DOSSIER_KEY": "bench"})
    with app.app_context():
        ensure_built(args.responses, args.units, then=assign_deciding)
        answers = db.session.scalar(sa.text("SELECT count(*) FROM answers"))
        one = db.session.scalar(sa.text("SELECT min(unit_id) FROM responses"))
        print(f"database: {db.engine.dialect.name}, {args.responses} responses, "
              f"{answers} answers, {args.units} units")
        for role in ("receiving", "deciding"):
            year = ReportScope.for_period("2026-Y", role=role)
            unit = ReportScope.for_period("2026-Y", role=role, unit_ids=(one,))
            print(f"{role}: {fallback_count(year)} responses fall back to their receiving unit")
            timed(f"{role}: year, by unit", lambda s=year: compute_indices_sql(s, by=("unit",)))
            timed(f"{role}: one unit's year", lambda s=unit: compute_indices_sql(s))
            timed(f"{role}: year, whole locality", lambda s=year: compute_indices_sql(s))


if __name__ == "__main__":
    main()
