"""Load test of the citizen's path under gunicorn: GET the form, POST it back, as phones do.

    python bench/load_submit.py                       # SQLite and PostgreSQL, 50 phones, 30 s
    python bench/load_submit.py --db postgresql --clients 50 --seconds 60 --workers 4

For each database it migrates an empty database (`flask db upgrade`, `init-data`), adds
one unit with --counters counters, serves the app with gunicorn on 127.0.0.1 and drives
--clients simulated phones for --seconds (or --max-submissions). Then it serves the
baseline app (bench/load_baseline_app.py: one INSERT per POST) the same way, and prints:

- successful submissions per second (POSTs answered 303), and the ratio to the baseline;
- p50/p95/p99 latency of GET (form) and POST (submit), and of the baseline;
- every status seen, and transport errors;
- the check that matters most: responses stored == POSTs answered 303, exactly; none
  without answers, no submission key twice. 3% of the phones re-send their POST as if the
  reply was lost, 2% tap "Gửi" twice at once: those must come back 409, not be stored.

The goals (issue 7) on a 2-core machine with 50 phones: ≥ 300/s on PostgreSQL, ≥ 150/s
on SQLite, p95 < 200 ms, nothing lost or doubled. The phones run on the same two cores
as the server, so the figures are a lower bound of what the server alone would do.
Rate limits stay on: each phone has its own address (X-Forwarded-For behind one proxy),
and the counters are many enough that the per-counter limit (120/min) is not the bottleneck.
Exit status 1 if stored and acknowledged differ.
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.loadkit import (
    REDIS_URL,
    BenchDatabase,
    Server,
    flush_redis,
    latency_line,
    percentile,
    reconcile,
    redis_reachable,
    run_phones,
)


def one_database(kind: str, args, workdir: Path) -> bool:
    print(f"\n=== {kind} ===", flush=True)
    database = BenchDatabase(kind, workdir)
    slugs = database.migrate_and_seed(args.counters, args.instrument)
    env = database.env()
    limits = "memory:// (one store per worker)"
    if args.limits == "redis" or (args.limits == "auto" and kind == "postgresql"):
        if not redis_reachable():
            raise SystemExit(f"Redis not reachable at {REDIS_URL}")
        flush_redis()
        env["SIPAS_RATELIMIT_STORAGE_URI"] = REDIS_URL
        limits = REDIS_URL
    workers = args.workers or (4 if kind == "postgresql" else 3)
    print(f"gunicorn: {workers} workers × {args.threads} threads; rate-limit store {limits}; "
          f"{len(slugs)} counters, instrument {args.instrument}; {args.clients} phones, "
          f"{args.seconds:g} s", flush=True)
    log = workdir / f"gunicorn-{kind}.log"
    with Server(env, workers=workers, threads=args.threads, log=log,
                port=args.port or None) as server:
        run_phones(server.base, slugs, clients=args.clients, seconds=args.warmup,
                   max_submissions=10**9, seed=99)  # warm up: imports, pools, caches
        warm = database.submission_keys()
        tallies = run_phones(server.base, slugs, clients=args.clients, seconds=args.seconds,
                             max_submissions=args.max_submissions, seed=args.seed)
    check = reconcile(database, tallies, before=warm)

    from bench.load_baseline_app import metadata
    metadata.create_all(database.engine)  # before the workers start, not four at once
    with Server(env, workers=workers, threads=args.threads, log=log,
                app="bench.load_baseline_app:create_app()",
                port=args.port + 1 if args.port else None) as baseline_server:
        run_phones(baseline_server.base, ["baseline1"], clients=args.clients,
                   seconds=args.warmup, seed=98)
        base = run_phones(baseline_server.base, ["baseline1"], clients=args.clients,
                          seconds=args.seconds, max_submissions=args.max_submissions,
                          seed=args.seed, retry_rate=0, double_tap_rate=0)

    rate = tallies.accepted / tallies.seconds
    base_rate = base.accepted / base.seconds
    print(f"submissions stored: {tallies.accepted} in {tallies.seconds:.1f} s = {rate:.1f}/s "
          f"(baseline {base_rate:.1f}/s; ratio {rate / max(base_rate, 1e-9):.2f})")
    print(latency_line("GET", tallies.get_latency))
    print(latency_line("POST", tallies.post_latency))
    print(latency_line("base P", base.post_latency))
    print("statuses:", ", ".join(f"{k}: {v}" for k, v in sorted(tallies.statuses.items())))
    if tallies.transport_errors:
        print("transport errors:", dict(tallies.transport_errors))
    print(f"the phones (load generator) used {tallies.client_cpu:.1f} CPU-s = "
          f"{tallies.client_cpu / tallies.seconds:.2f} of one core; baseline run "
          f"{base.client_cpu / base.seconds:.2f}")
    print(f"retries sent: {tallies.retries}, double taps: {tallies.double_taps}, "
          f"replies lost: {tallies.unknown_outcome}")
    exact = check.stored == tallies.accepted
    print(f"database: {check.stored} responses stored in the run, {tallies.accepted} POSTs "
          f"answered 303 → {'EXACT' if exact else 'MISMATCH'}")
    print(check.line())
    ok = exact and check.ok
    goal = 300 if kind == "postgresql" else 150
    p95 = percentile([v * 1000 for v in tallies.post_latency], 95)
    print(f"goal: ≥ {goal}/s and POST p95 < 200 ms → "
          f"{'met' if rate >= goal and p95 < 200 else 'NOT met'} ({rate:.0f}/s, p95 {p95:.0f} ms)")
    if not args.keep:
        database.drop()
    return ok


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--db", choices=["sqlite", "postgresql", "both"], default="both")
    ap.add_argument("--clients", type=int, default=50)
    ap.add_argument("--seconds", type=float, default=30)
    ap.add_argument("--warmup", type=float, default=3)
    ap.add_argument("--max-submissions", type=int, default=200_000)
    ap.add_argument("--counters", type=int, default=400)
    ap.add_argument("--instrument", default="counter-2018", choices=["counter-2018", "sipas-2022"])
    ap.add_argument("--workers", type=int, default=0, help="default: 4 on PostgreSQL, 3 on SQLite")
    ap.add_argument("--threads", type=int, default=1)
    ap.add_argument("--limits", choices=["auto", "memory", "redis"], default="auto",
                    help="rate-limit store; auto = Redis on PostgreSQL, memory on SQLite")
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--port", type=int, default=0,
                    help="serve the app on PORT and the baseline on PORT+1 (default: free ports)")
    ap.add_argument("--keep", action="store_true", help="keep the bench database")
    ap.add_argument("--workdir", type=Path,
                    default=Path(tempfile.gettempdir()) / "sipas-load")
    args = ap.parse_args()
    os.environ.setdefault("PYTHONHASHSEED", "0")
    kinds = ["sqlite", "postgresql"] if args.db == "both" else [args.db]
    results = [one_database(kind, args, args.workdir) for kind in kinds]
    return 0 if all(results) else 1


if __name__ == "__main__":
    sys.exit(main())
