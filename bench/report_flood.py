"""Report flood: the citizen form's latency while unit users hammer /bao-cao (issue 11).

    python bench/report_flood.py [--code DIR] [--loops 6] [--seconds 30] [--workers 3]

Seeds the demo district once into the PostgreSQL schema `bench_report_flood` (of
TEST_POSTGRES_URL), runs the app from DIR (default: this checkout; give an older checkout,
e.g. from `git archive`, to measure "before") under gunicorn with a Redis rate-limit store,
logs in as the unit reviewer `xuanan` and then:

1. measures GET /s/<slug> (a citizen opening the form) alone, for `seconds`/2;
2. starts `loops` threads that request /bao-cao over and over, cycling through six
   periods (a flooder varies the query to defeat any cache), and measures the citizen
   form again for `seconds`.

Prints the citizen latency (median, 95th percentile, max) of both phases and the report
loops' answers by status. Asserts nothing.
"""

from __future__ import annotations

import argparse
import re
import statistics
import sys
import threading
import time
from collections import Counter
from datetime import date
from pathlib import Path

import requests
import sqlalchemy as sa

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bench.loadkit import SECRETS, Server
from bench.seeding import schema_url

SCHEMA = "bench_report_flood"
REDIS = "redis://127.0.0.1:6379/13"
PERIODS = ["2026-Q1", "2026-Q2", "2026-Q3", "2026-H1", "2026-9M", "2026-Y"]


def seed(url: str) -> str:
    """The demo district in the bench schema (once); returns a counter slug of Xuân An."""
    from survey_app import create_app
    from survey_app.extensions import db
    from survey_app.models import Counter, Unit

    app = create_app({"SQLALCHEMY_DATABASE_URI": url, **{
        k.removeprefix("SIPAS_"): v for k, v in SECRETS.items()}})
    with app.app_context():
        if "units" not in sa.inspect(db.engine).get_table_names():
            from survey_app.seed.demo import seed_demo
            from survey_app.seed.reference import sync_reference_data

            db.create_all()
            sync_reference_data()
            seed_demo(today=date(2026, 11, 21))
        slug = db.session.scalar(sa.select(Counter.slug).join(Unit)
                                 .where(Unit.code == "X-AN").limit(1))
        db.engine.dispose()
    return slug


def login(base: str) -> requests.Session:
    session = requests.Session()
    page = session.get(base + "/dang-nhap", timeout=60)
    token = re.search(r'name="csrf_token"[^>]*value="([^"]+)"', page.text).group(1)
    reply = session.post(base + "/dang-nhap", data={"csrf_token": token, "username": "xuanan",
                                                   "password": "demo-unit", "next": ""},
                         allow_redirects=False, timeout=60)
    assert reply.status_code == 302, reply.status_code
    return session


def citizen_latency(base: str, slug: str, seconds: float) -> list[float]:
    out, deadline = [], time.monotonic() + seconds
    with requests.Session() as phone:
        while time.monotonic() < deadline:
            start = time.perf_counter()
            reply = phone.get(f"{base}/s/{slug}", timeout=120)
            out.append(time.perf_counter() - start)
            assert reply.status_code == 200, reply.status_code
            time.sleep(0.25)
    return out


def flood(base: str, cookies, stop: threading.Event, tally: Counter, lock, n: int) -> None:
    session = requests.Session()
    session.cookies.update(cookies)
    session.headers["X-Forwarded-For"] = f"198.51.100.{n + 1}"
    i = n
    while not stop.is_set():
        try:
            reply = session.get(f"{base}/bao-cao?ky={PERIODS[i % len(PERIODS)]}",
                                allow_redirects=False, timeout=120)
            status = reply.status_code
        except requests.RequestException as exc:
            status = type(exc).__name__
        with lock:
            tally[status] += 1
        i += 1


def describe(name: str, seconds: list[float]) -> str:
    ms = sorted(s * 1000 for s in seconds)
    p95 = ms[min(len(ms) - 1, int(0.95 * len(ms)))]
    return (f"{name}: n={len(ms)} median={statistics.median(ms):.0f} ms "
            f"p95={p95:.0f} ms max={ms[-1]:.0f} ms")


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--code", type=Path, default=Path(__file__).resolve().parents[1])
    ap.add_argument("--loops", type=int, default=6)
    ap.add_argument("--seconds", type=float, default=30)
    ap.add_argument("--workers", type=int, default=3)
    args = ap.parse_args()
    import redis
    redis.Redis.from_url(REDIS).flushdb()
    url = schema_url(SCHEMA)
    slug = seed(url)
    server = Server({"SIPAS_DATABASE_URL": url, "SIPAS_RATELIMIT_STORAGE_URI": REDIS,
                     "SIPAS_PUBLIC_BASE_URL": "http://127.0.0.1"}, workers=args.workers)
    server.args[-1:-1] = ["--chdir", str(args.code.resolve()), "--timeout", "120"]
    print(f"code: {args.code.resolve()}; {args.workers} sync workers; {args.loops} report loops")
    with server:
        session = login(server.base)
        citizen_latency(server.base, slug, 2)  # warm the workers
        print(describe("citizen GET /s/<slug>, no reports", citizen_latency(
            server.base, slug, args.seconds / 2)))
        stop, tally, lock = threading.Event(), Counter(), threading.Lock()
        threads = [threading.Thread(target=flood, args=(server.base, session.cookies, stop,
                                                        tally, lock, n), daemon=True)
                   for n in range(args.loops)]
        for t in threads:
            t.start()
        time.sleep(2)
        during = citizen_latency(server.base, slug, args.seconds)
        stop.set()
        for t in threads:
            t.join(150)
        print(describe(f"citizen GET /s/<slug>, {args.loops} report loops", during))
        print("report answers:", dict(sorted(tally.items(), key=str)))


if __name__ == "__main__":
    main()
