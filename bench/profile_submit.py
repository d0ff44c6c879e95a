"""Profile the citizen's path in one process: N GET + POST pairs through the real app (CSRF,
form token, limiter, template, submission service) on a fresh SQLite database, with
pyinstrument (prints the tree and the CPU per pair; asserts nothing).

    python bench/profile_submit.py [--pairs 300]

The work a gunicorn worker does per request, without gunicorn's HTTP handling or the
phones: bench/load_submit.py measures that under load.
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from survey_app import create_app
from survey_app.extensions import db
from survey_app.seed.reference import sync_reference_data
from tests.factories import make_world
from tests.survey_app.factories import fill_short


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--pairs", type=int, default=300)
    args = ap.parse_args()
    folder = tempfile.mkdtemp()
    app = create_app({"SQLALCHEMY_DATABASE_URI": f"sqlite:///{folder}/profile.sqlite3",
                      "SECRET_KEY": "x", "DOSSIER_KEY": "y", "WTF_CSRF_ENABLED": True})
    with app.app_context():
        db.create_all()
        sync_reference_data()
    world = make_world(app)  # limits raised for one address, as in the tests

    def pair() -> None:
        _, reply = fill_short(app.test_client(), world.short_slug)
        assert reply.status_code == 303, reply.status_code

    for _ in range(20):  # warm: imports, caches, pools
        pair()
    from pyinstrument import Profiler

    cpu = time.process_time()
    with Profiler(interval=0.001) as profiler:
        for _ in range(args.pairs):
            pair()
    cpu = time.process_time() - cpu
    print(profiler.output_text(unicode=True, color=False))
    print(f"{args.pairs} GET + POST pairs: {cpu:.2f} s CPU, {1000 * cpu / args.pairs:.1f} ms a pair")


if __name__ == "__main__":
    main()
