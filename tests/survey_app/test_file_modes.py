"""instance/ and built reports are private to the account running the app (issue 11,
item 15): folders 0700, files 0600, whatever the umask."""

from __future__ import annotations

import os
import sqlite3
import stat

import pytest

from survey_app.config import from_environment


def mode(path) -> int:
    return stat.S_IMODE(os.stat(path).st_mode)


@pytest.fixture(autouse=True)
def usual_umask(monkeypatch):
    for name in ("SIPAS_ENV", "SIPAS_DATABASE_URL", "SIPAS_SECRET_KEY", "SIPAS_DOSSIER_KEY",
                 "SIPAS_CONTACT_KEY"):
        monkeypatch.delenv(name, raising=False)
    old = os.umask(0o022)  # the usual umask: new files 0644, folders 0755
    yield
    os.umask(old)


def test_a_new_instance_folder_and_its_files_are_private(tmp_path):
    instance = tmp_path / "instance"
    config = from_environment(str(instance))
    assert mode(instance) == 0o700
    assert mode(instance / "secret_key") == 0o600 and mode(instance / "dossier_key") == 0o600
    database = instance / "sipas.sqlite3"
    assert config["SQLALCHEMY_DATABASE_URI"] == f"sqlite:///{database}"
    with sqlite3.connect(database) as conn:  # what SQLAlchemy will do with it
        conn.execute("PRAGMA journal_mode=WAL")
        conn.execute("CREATE TABLE t (x)")
        conn.execute("INSERT INTO t VALUES (1)")
        assert mode(database) == 0o600 and mode(f"{database}-wal") == 0o600


def test_an_instance_folder_made_by_an_older_version_is_tightened(tmp_path):
    instance = tmp_path / "instance"
    instance.mkdir(mode=0o755)
    (instance / "secret_key").write_text("x" * 64)
    (instance / "sipas.sqlite3").write_bytes(b"")
    for path in (instance / "secret_key", instance / "sipas.sqlite3"):
        os.chmod(path, 0o644)
    from_environment(str(instance))
    assert mode(instance) == 0o700
    assert mode(instance / "secret_key") == 0o600 and mode(instance / "sipas.sqlite3") == 0o600


def test_another_database_creates_no_sqlite_file(tmp_path, monkeypatch):
    monkeypatch.setenv("SIPAS_DATABASE_URL", "postgresql://u@h/db")
    from_environment(str(tmp_path / "instance"))
    assert not (tmp_path / "instance" / "sipas.sqlite3").exists()


@pytest.mark.parametrize("fails", [False, True])
def test_built_reports_are_private(app, tmp_path, fails):
    from survey_app.periodic_report import jobs

    app.config["REPORT_DIR"] = str(tmp_path / "reports")

    def build() -> bytes:
        if fails:
            raise RuntimeError("no data")
        return b"%PDF-1.4 report"

    with app.app_context():
        jobs.write_report("k" * 32, build)
        pdf, _lock, status = jobs._paths("k" * 32)
    assert mode(tmp_path / "reports") == 0o700
    assert mode(status) == 0o600
    if not fails:
        assert mode(pdf) == 0o600 and pdf.read_bytes() == b"%PDF-1.4 report"
