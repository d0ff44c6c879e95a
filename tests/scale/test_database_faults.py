"""A database that is down, read-only or full: a clear 503 page and log line, then recovery.

These use real failures, not mocks: a PostgreSQL address where nothing listens, an SQLite
file opened read-only, and (as root) an SQLite file on a tmpfs that is shrunk until the
next write does not fit. bench/fault_crash.py runs the same faults under gunicorn load.
"""

from __future__ import annotations

import logging
import os
import subprocess

import pytest

from survey_app.extensions import db
from tests.conftest import create_schema_and_reference_data, make_app
from tests.survey_app.factories import count_rows, fill_short, make_world


@pytest.mark.parametrize("lang, text", [("vi", "Hệ thống tạm thời gián đoạn"),
                                        ("en", "temporarily")])
def test_database_down_is_a_503_page_in_the_users_language(lang, text, caplog):
    # Port 9 (discard) on loopback: nothing listens, the connection is refused at once.
    app = make_app("postgresql+psycopg://postgres@127.0.0.1:9/test",
                   SQLALCHEMY_ENGINE_OPTIONS={"pool_pre_ping": True,
                                              "connect_args": {"connect_timeout": 2}})
    client = app.test_client()
    with caplog.at_level(logging.ERROR):
        page = client.get(f"/s/any-counter-slug?lang={lang}")
    assert page.status_code == 503 and text in page.text
    assert page.headers["Retry-After"] == "30"
    assert any("database unavailable on GET /s/any-counter-slug" in r.getMessage()
               for r in caplog.records)
    assert client.get("/healthz").status_code == 503  # the load balancer takes it out
    assert client.get("/api/v1/openapi.json").status_code == 200  # no database needed


def test_read_only_sqlite_refuses_a_submission_with_503_and_keeps_what_is_stored(tmp_path):
    path = tmp_path / "ro.sqlite3"
    app = make_app(f"sqlite:///{path}")
    create_schema_and_reference_data(app)
    world = make_world(app)
    client = app.test_client()
    assert fill_short(client, world.short_slug)[1].status_code == 303
    before = count_rows(app)
    with app.app_context():
        db.engine.dispose()

    read_only = make_app(f"sqlite:///file:{path}?mode=ro&uri=true")
    read_only.config.update(SURVEY_MIN_SECONDS=0, SURVEY_MIN_SECONDS_PER_ANSWER=0)
    ro_client = read_only.test_client()
    _, reply = fill_short(ro_client, world.short_slug)
    assert reply.status_code == 503 and "Câu trả lời chưa được lưu" in reply.text
    with read_only.app_context():
        db.engine.dispose()
    assert count_rows(app) == before


def _can_mount() -> bool:
    return os.geteuid() == 0 and subprocess.run(["which", "mount"], capture_output=True
                                                 ).returncode == 0


@pytest.mark.skipif(not _can_mount(), reason="SKIPPED: needs root to mount a small tmpfs")
def test_full_disk_gives_503_then_recovers_when_space_returns(tmp_path):
    mnt = tmp_path / "small"
    mnt.mkdir()
    subprocess.run(["mount", "-t", "tmpfs", "-o", "size=16m", "tmpfs", str(mnt)], check=True)
    try:
        app = make_app(f"sqlite:///{mnt / 'full.sqlite3'}")
        create_schema_and_reference_data(app)
        world = make_world(app)
        client = app.test_client()
        assert fill_short(client, world.short_slug)[1].status_code == 303
        per_response = count_rows(app)["Answer"]
        used = int(subprocess.run(["du", "-sk", str(mnt)], capture_output=True, text=True
                                  ).stdout.split()[0])
        subprocess.run(["mount", "-o", f"remount,size={used + 8}k", str(mnt)], check=True)
        statuses = []
        long_comment = "Góp ý " * 80  # 480 characters a response: the disk fills quickly
        for _ in range(200):
            statuses.append(fill_short(client, world.short_slug, comment=long_comment)[1]
                            .status_code)
            if statuses[-1] == 503:
                break
        assert statuses[-1] == 503 and set(statuses[:-1]) <= {303}
        stored = count_rows(app)
        assert stored["Response"] == statuses.count(303) + 1  # acknowledged = stored
        assert stored["Answer"] == stored["Response"] * per_response  # nothing half-written
        subprocess.run(["mount", "-o", "remount,size=16m", str(mnt)], check=True)
        assert fill_short(client, world.short_slug)[1].status_code == 303
        with app.app_context():
            db.engine.dispose()
    finally:
        subprocess.run(["umount", "-l", str(mnt)], capture_output=True)


def test_redis_down_keeps_the_survey_open_with_limits_per_process(tmp_path, caplog):
    """The shared rate-limit store is unreachable: citizens can still answer, each process
    counts in memory meanwhile, and the outage is logged (no 500 for every submission)."""
    app = make_app(f"sqlite:///{tmp_path / 'rd.sqlite3'}",
                   RATELIMIT_STORAGE_URI="redis://127.0.0.1:9/0")  # nothing listens
    create_schema_and_reference_data(app)
    world = make_world(app)
    app.config["SURVEY_RATE_LIMIT_CLIENT"] = "2 per minute"
    client = app.test_client()
    with caplog.at_level(logging.WARNING):
        statuses = [fill_short(client, world.short_slug)[1].status_code for _ in range(3)]
    assert statuses == [303, 303, 429]
    assert count_rows(app)["Response"] == 2
    assert any("rate limit storage" in r.getMessage().lower() for r in caplog.records)
    with app.app_context():
        db.engine.dispose()
