#!/usr/bin/env python3
"""The two commands a newcomer needs, with nothing but Python 3.11+ installed:

    python3 dev.py demo    # virtual environment, database, demo district, app on :5000
    python3 dev.py test    # virtual environment with test tools, the whole test suite

`python3 dev.py test --fast` skips the tests marked slow (browser, two-process, long
fuzzing) for the inner loop; CI runs everything.
Also: `python3 dev.py translations` (extract, update and compile the message catalogs)
and `python3 dev.py lint`. Arguments after `test` go to pytest.
"""

from __future__ import annotations

import hashlib
import os
import subprocess
import sys
import venv
from pathlib import Path

ROOT = Path(__file__).resolve().parent
VENV = ROOT / ".venv"
BIN = VENV / ("Scripts" if os.name == "nt" else "bin")
PY = BIN / "python"


def run(*args: str | Path, check: bool = True) -> int:
    print("+", " ".join(str(a) for a in args), flush=True)
    code = subprocess.call([str(a) for a in args], cwd=ROOT)
    if check and code != 0:
        sys.exit(code)
    return code


def ensure_venv(dev: bool) -> None:
    """Create .venv and install the locked requirements when the lock changed since the
    last install.

    The lock files pin every package with its hashes (made by pip-compile from
    requirements*.txt, see docs/operations.md), so a clean machine installs exactly the
    set that was tested, and a tampered download is refused."""
    lock = "requirements-dev.lock" if dev else "requirements.lock"
    files = [lock, "requirements.txt"] + (["requirements-dev.txt"] if dev else [])
    digest = hashlib.sha256(b"".join((ROOT / f).read_bytes() for f in files)).hexdigest()
    stamp = VENV / f".installed-{'dev' if dev else 'run'}"
    if stamp.exists() and stamp.read_text() == digest:
        return
    if not PY.exists():
        print(f"creating virtual environment in {VENV}", flush=True)
        venv.create(VENV, with_pip=True)
        run(PY, "-m", "pip", "install", "--quiet", "--upgrade", "pip")
    run(PY, "-m", "pip", "install", "--quiet", "--require-hashes", "-r", lock)
    stamp.write_text(digest)


def flask(*args: str) -> None:
    run(PY, "-m", "flask", "--app", "survey_app", *args)


def demo(argv: list[str]) -> None:
    host = os.environ.get("HOST", "127.0.0.1")
    port = os.environ.get("PORT", "5000")
    ensure_venv(dev=False)
    flask("db", "upgrade")
    flask("seed-demo", "--base-url", f"http://{host}:{port}")
    # How to try the per-dossier path (receipt QR, unit API key); the demo works without it.
    run(PY, "-m", "flask", "--app", "survey_app", "try-receipt-link", "--base-url",
        f"http://{host}:{port}", check=False)
    print(f"\nOpen http://{host}:{port}/  (Ctrl+C stops the server)\n", flush=True)
    flask("run", "--host", host, "--port", port, *argv)


def test(argv: list[str]) -> None:
    ensure_venv(dev=True)
    if "--fast" in argv:  # the inner loop: skip the tests marked slow (CI runs them all)
        argv = [a for a in argv if a != "--fast"] + ["-m", "not slow"]
        # and fewer hypothesis examples per fuzz test (CI keeps the full count)
        os.environ.setdefault("SIPAS_FUZZ_EXAMPLES", "15")
    # loadfile: a module's tests share one worker, so a module-scoped fixture (a browser,
    # two servers and their Redis) starts once. (loadgroup would hand out the other tests
    # one by one, but with pytest 9 and xdist 3.8 it ignores the xdist_group marks.)
    code = run(PY, "-m", "pytest", "-n", "auto", "--dist", "loadfile", *argv, check=False)
    if code == 5:
        print("pytest collected no tests: that is a failure", flush=True)
    sys.exit(code)


def translations(_argv: list[str]) -> None:
    ensure_venv(dev=True)
    pot = "survey_app/translations/messages.pot"
    run(BIN / "pybabel", "-q", "extract", "-F", "babel.cfg", "-k", "_l", "-k", "lazy_gettext",
        "--no-location", "--sort-output", "-o", pot, ".")
    run(BIN / "pybabel", "-q", "update", "-i", pot, "-d", "survey_app/translations",
        "--ignore-obsolete")  # (update takes no --no-location; the .pot has none)
    run(BIN / "pybabel", "-q", "compile", "-d", "survey_app/translations")


def lint(_argv: list[str]) -> None:
    ensure_venv(dev=True)
    run(BIN / "ruff", "check", ".")


COMMANDS = {"demo": demo, "test": test, "translations": translations, "lint": lint}

if __name__ == "__main__":
    if len(sys.argv) < 2 or sys.argv[1] not in COMMANDS:
        print(__doc__)
        sys.exit(2)
    COMMANDS[sys.argv[1]](sys.argv[2:])
