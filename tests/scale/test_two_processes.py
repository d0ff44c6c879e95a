"""The production shape: two app processes, one PostgreSQL, one Redis.

Two gunicorn servers (separate processes, as on two hosts behind a proxy) share one
PostgreSQL database and one Redis rate-limit store. The rules that protect the index must
hold across them, not per process: the per-client and per-counter limits count requests
at both, and a dossier's receipt link is accepted once even when both get it at once.
With a per-process memory store each limit would let twice as many through, so these
tests fail if the store is not really shared.

Needs PostgreSQL (skipped without, unless SIPAS_REQUIRE_POSTGRES=1) and Redis (skipped
without, unless SIPAS_REQUIRE_REDIS=1).
"""

from __future__ import annotations

import os
import random
from concurrent.futures import ThreadPoolExecutor

import pytest
import sqlalchemy as sa

from bench.loadkit import SECRETS, Phone, Server
from survey_app.extensions import db
from survey_app.models import Answer, Comment, Response
from tests.conftest import create_schema_and_reference_data, make_app, new_pg_schema
from tests.survey_app.factories import make_world

pytestmark = pytest.mark.slow  # two gunicorn servers per test

REDIS = os.environ.get("TEST_REDIS_URL_SCALE", "redis://127.0.0.1:6379/14")


def redis_or_skip() -> str:
    import redis

    try:
        redis.Redis.from_url(REDIS, socket_connect_timeout=2).ping()
    except redis.RedisError as exc:
        message = f"Redis not reachable at {REDIS} ({exc})"
        if os.environ.get("SIPAS_REQUIRE_REDIS") == "1":
            pytest.fail(message + " and SIPAS_REQUIRE_REDIS=1", pytrace=False)
        pytest.skip("SKIPPED (no Redis): " + message)
    redis.Redis.from_url(REDIS).flushdb()
    return REDIS


@pytest.fixture(scope="module")
def running_servers(tmp_path_factory):
    """The two servers, started once for the module: each start boots a whole app."""
    redis_url = redis_or_skip()
    with new_pg_schema() as url:
        app = make_app(url, SECRET_KEY=SECRETS["SIPAS_SECRET_KEY"],
                       DOSSIER_KEY=SECRETS["SIPAS_DOSSIER_KEY"])
        create_schema_and_reference_data(app)
        world = make_world(app)
        env = {"SIPAS_DATABASE_URL": url, "SIPAS_RATELIMIT_STORAGE_URI": redis_url}
        logs = tmp_path_factory.mktemp("gunicorn")
        servers = [Server(env, workers=1, log=logs / f"gunicorn-{i}.log") for i in (1, 2)]
        for i, server in enumerate(servers, 1):  # what an operator's access log keeps
            server.access_log = logs / f"access-{i}.log"
            server.args[-1:-1] = ["--access-logfile", str(server.access_log)]
        try:
            for server in servers:
                server.start()
            yield app, world, servers
        finally:
            for server in servers:
                server.stop()
            with app.app_context():
                db.engine.dispose()


@pytest.fixture
def two_servers(running_servers):
    """The running servers with nothing stored and no request counted: Redis is flushed
    and the responses (with their answers and comments) are deleted before each test."""
    app = running_servers[0]
    redis_or_skip()
    with app.app_context():
        for model in (Comment, Answer, Response):
            db.session.execute(sa.delete(model))
        db.session.commit()
    return running_servers


def stored(app, **filters) -> int:
    with app.app_context():
        return db.session.scalar(sa.select(sa.func.count()).select_from(Response)
                                 .filter_by(**filters))


def test_the_client_limit_counts_requests_at_both_processes(two_servers):
    app, world, (a, b) = two_servers
    phone = Phone("203.0.113.7")
    rng = random.Random(1)
    # The default limit is 10 per minute per client: alternate servers, 14 tries.
    statuses = [phone.submit(f"{server.base}/s/{world.short_slug}", rng)
                for server in [a, b] * 7]
    assert statuses.count(303) == 10, statuses
    assert statuses[10:] == [429] * 4
    assert stored(app, counter_id=world.short_id) == 10


def test_the_counter_limit_counts_requests_at_both_processes(two_servers):
    app, world, (a, b) = two_servers
    rng = random.Random(2)
    # 120 per minute per counter, whoever sends: 130 phones, half at each server.
    statuses = [Phone(f"198.51.100.{i % 250}").submit(
        f"{(a, b)[i % 2].base}/s/{world.long_slug}", rng) for i in range(130)]
    assert statuses.count(303) == 120, statuses
    assert set(statuses[120:]) == {429}
    assert stored(app, counter_id=world.long_id) == 120


def test_one_dossier_one_response_across_processes(two_servers):
    app, world, (a, b) = two_servers
    with app.test_request_context():
        from survey_app.services.survey_tokens import issue_receipt_token
        token = issue_receipt_token(world.short_id, "HS-2026-000123", field_code="dat-dai")
    rng = random.Random(3)
    # Two people (or one person twice) open the same receipt link, one at each server,
    # and send at the same moment.
    phones = [Phone("192.0.2.10"), Phone("192.0.2.11")]
    bodies = [p.fill(f"{s.base}/s/{world.short_slug}?d={token}", rng)
              for p, s in zip(phones, (a, b), strict=True)]
    with ThreadPoolExecutor(2) as pool:
        statuses = sorted(pool.map(
            lambda i: phones[i].request(f"{(a, b)[i].base}/s/{world.short_slug}", bodies[i])[0],
            range(2)))
    assert statuses == [303, 409]
    assert stored(app, counter_id=world.short_id) == 1
    # Opening the link again, at either server, says the dossier was rated.
    for server in (a, b):
        status, page = Phone("192.0.2.12").get(f"{server.base}/s/{world.short_slug}?d={token}")
        assert status == 409 and "Hồ sơ này đã được đánh giá" in page


def test_receipt_token_is_in_the_access_log_only_on_the_link_itself(two_servers):
    """Issue 11, item 16: after the first GET the token lives in the session cookie, so
    the form, the POST and the thank-you page are logged without it."""
    app, world, (a, _b) = two_servers
    with app.test_request_context():
        from survey_app.services.survey_tokens import issue_receipt_token
        token = issue_receipt_token(world.short_id, "HS-2026-LOG-1", field_code="dat-dai")
    phone = Phone("192.0.2.20")
    link = f"{a.base}/s/{world.short_slug}?d={token}"
    start = a.access_log.read_text().count("\n") if a.access_log.exists() else 0
    body = phone.fill(link, random.Random(4))
    assert "d" in body  # the form's body (never a URL) still names the dossier
    assert phone.request(f"{a.base}/s/{world.short_slug}", body)[0] == 303
    assert phone.get(f"{a.base}/s/{world.short_slug}/cam-on")[0] == 200
    assert stored(app, counter_id=world.short_id, channel="receipt_qr") == 1
    lines = a.access_log.read_text().splitlines()[start:]
    paths = [line for line in lines if f"/s/{world.short_slug}" in line]
    print(*paths, sep="\n")  # shown with pytest -s
    assert len(paths) == 4, lines  # GET ?d= (303), GET clean (200), POST (303), thanks
    assert token in paths[0] and " 303 " in paths[0]
    assert all(token not in line and "d=" not in line for line in paths[1:]), paths
