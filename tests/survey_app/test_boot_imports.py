"""A web worker boots light: the citizen's form never needs SciPy, statsmodels,
matplotlib, the PDF, XLSX or QR libraries; staff pages and documents import them when
they compute an interval, draw a figure, fit a model or write a file. Checked on the
modules a real process has loaded after create_app() and after a citizen's GET + POST
(a behaviour, not a timing: bench/issue16.py prints the boot time)."""

from __future__ import annotations

import json
import subprocess
import sys
import textwrap

from tests.analysis.test_import_cost import HEAVY, ROOT, imported

#: What no citizen request and no worker boot may load.
NOT_AT_BOOT = (*HEAVY, "scipy", "fpdf", "openpyxl", "qrcode", "PIL", "alembic", "mako")

CITIZEN = textwrap.dedent("""
    import json, sys
    from survey_app import create_app
    from survey_app.extensions import db
    from survey_app.seed.reference import sync_reference_data

    app = create_app({"SQLALCHEMY_DATABASE_URI": sys.argv[1], "SECRET_KEY": "x",
                      "DOSSIER_KEY": "y", "WTF_CSRF_ENABLED": True})
    with app.app_context():
        db.create_all()
        sync_reference_data()
    boot = sorted({name.split(".")[0] for name in sys.modules})

    from tests.factories import make_world
    from tests.survey_app.factories import count_responses, fill_short

    world = make_world(app)
    client = app.test_client()
    _, reply = fill_short(client, world.short_slug)
    after = sorted({name.split(".")[0] for name in sys.modules})
    print(json.dumps({"status": reply.status_code, "stored": count_responses(app),
                      "boot": boot, "after": after}))
""")


def test_web_worker_boot_loads_no_statsmodels_or_matplotlib(tmp_path):
    config = {"SQLALCHEMY_DATABASE_URI": f"sqlite:///{tmp_path / 'db.sqlite3'}",
              "SECRET_KEY": "x", "DOSSIER_KEY": "y"}
    names = imported("-c", f"from survey_app import create_app; create_app({config!r})")
    assert "survey_app" in names
    assert not names & set(NOT_AT_BOOT)


def test_citizen_get_and_post_load_no_heavy_module(tmp_path):
    run = subprocess.run([sys.executable, "-c", CITIZEN, f"sqlite:///{tmp_path / 'db.sqlite3'}"],
                         cwd=ROOT, capture_output=True, text=True, check=False)
    assert run.returncode == 0, run.stderr[-2000:]
    seen = json.loads(run.stdout.strip().splitlines()[-1])
    assert seen["status"] == 303 and seen["stored"] == 1  # the submission went through
    assert "flask" in seen["boot"] and "sqlalchemy" in seen["after"]
    assert not set(seen["boot"]) & set(NOT_AT_BOOT)
    assert not set(seen["after"]) & set(NOT_AT_BOOT)
