"""The re-identification attack on the responses export (issue 11, item 2), as figures.

    python bench/export_uniqueness.py [--period 2026-Y] [--unit xuanan]

Seeds the demo district into a temporary SQLite file (as the tests do), logs in through
the real form as a unit reviewer and as the analyst, asks for /xuat/phieu.csv and prints:
the status; how many rows are the only response of their (date, field) at that unit;
whether rows come in submission order (dates never decreasing); whether the sensitive
items (survey_app.services.disclosure.SENSITIVE_ITEMS) are columns. Asserts nothing.
"""

from __future__ import annotations

import argparse
import csv
import io
import sys
import tempfile
from collections import Counter
from datetime import date
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from survey_app import create_app
from survey_app.extensions import db
from tests.conftest import BASE_CONFIG, StaffAuth

PASSWORDS = {"xuanan": "demo-unit", "tnmt": "demo-unit", "phantich": "demo-analyst"}
SENSITIVE = ("HARASS",)


def seeded_app(path: Path):
    from survey_app.seed.demo import seed_demo
    from survey_app.seed.reference import sync_reference_data

    app = create_app({**BASE_CONFIG, "SQLALCHEMY_DATABASE_URI": f"sqlite:///{path}"})
    with app.app_context():
        db.create_all()
        sync_reference_data()
        seed_demo(today=date(2026, 11, 21))
    return app


def submission_order(app, username: str, period: str) -> list[tuple[str, str]]:
    """(date, field code) of the user's valid responses of the period in id order."""
    import sqlalchemy as sa

    from survey_app.models import Field, Response, User
    from survey_app.reporting.dashboard import DashboardQuery, report_scope
    from survey_app.reporting.indices import VIETNAM, response_filters

    with app.app_context():
        user = db.session.scalar(sa.select(User).filter_by(username=username))
        scope = report_scope(DashboardQuery(period), user)
        out = [(at.astimezone(VIETNAM).date().isoformat(), code) for at, code in
               db.session.execute(sa.select(Response.submitted_at, Field.code)
                                  .join(Field, Field.id == Response.field_id)
                                  .where(*response_filters(scope)).order_by(Response.id))]
        db.session.remove()
    return out


def attack(app, username: str, period: str) -> None:
    client = app.test_client()
    StaffAuth(client).login(username, PASSWORDS[username])
    response = client.get(f"/xuat/phieu.csv?ky={period}")
    print(f"{username}: GET /xuat/phieu.csv?ky={period} -> {response.status_code}")
    if response.status_code != 200:
        text = response.get_data(as_text=True)
        start = text.find('class="detail"')
        print("   message:", text[start:start + 300].split(">", 1)[-1].split("<", 1)[0].strip()
              if start >= 0 else "(none)")
        print("   rows: 0; unique on (date, field): 0")
        return
    rows = list(csv.DictReader(io.StringIO(response.get_data(as_text=True).lstrip("\ufeff"))))
    cells = Counter((r["unit_code"], r["date"], r["field_code"]) for r in rows)
    unique = sum(1 for r in rows if cells[(r["unit_code"], r["date"], r["field_code"])] == 1)
    stored = submission_order(app, username, period)
    same = sum(1 for r, s in zip(rows, stored, strict=False)
               if (r["date"], r["field_code"]) == s)
    print(f"   rows: {len(rows)}; unique on (unit, date, field): {unique} "
          f"({unique / max(len(rows), 1):.0%})")
    print(f"   rows whose (date, field) match the database's id order at the same "
          f"position: {same}/{len(rows)} (submission order gives all)")
    print(f"   sensitive columns present: {[c for c in SENSITIVE if c in (rows[0] if rows else {})]}")


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--period", default="2026-Y")
    ap.add_argument("--unit", default="xuanan")
    args = ap.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        app = seeded_app(Path(tmp) / "demo.sqlite3")
        attack(app, args.unit, args.period)
        attack(app, "phantich", args.period)
        with app.app_context():
            db.engine.dispose()


if __name__ == "__main__":
    main()
