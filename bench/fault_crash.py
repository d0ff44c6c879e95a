"""Faults in the middle of a load run: nothing acknowledged may be lost, nothing half-stored.

    python bench/fault_crash.py worker      # SIGKILL a gunicorn worker every few seconds
    python bench/fault_crash.py server      # SIGKILL master and workers at once, restart
    python bench/fault_crash.py postgres    # restart PostgreSQL (clients see 503, app recovers)
    python bench/fault_crash.py disk-full   # SQLite on a tiny tmpfs that fills up, then grows
    python bench/fault_crash.py all         # every scenario above, in turn

Each scenario runs simulated phones (bench/loadkit.py) against gunicorn for --seconds,
injects the fault a third of the way in, and then reconciles key by key: every response
acknowledged with a 303 is in the database (lost = 0), every stored response was sent by
a phone (phantom = 0), no response without its answers (partial = 0), no submission twice.
It also prints what the phones saw while the fault lasted (statuses per second), so a 503
page rather than a 500 or a hang is visible, and whether the app served 303s again after.

A read-only SQLite file is not staged here: Linux refuses to remount a file system
read-only while the server holds the file open for writing. tests/scale/
test_database_faults.py opens the database read-only instead (and also fills a disk).

`postgres` and `disk-full` need root (pg_ctlcluster, mount). `postgres`
restarts the machine's PostgreSQL: do not run it while other work uses that server.
Exit status 1 if any scenario fails its checks.
"""

from __future__ import annotations

import argparse
import subprocess
import sys
import tempfile
import threading
import time
from collections import Counter as Tally
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.loadkit import (
    REDIS_URL,
    BenchDatabase,
    Server,
    Tallies,
    flush_redis,
    reconcile,
    redis_reachable,
    run_phones,
)


class Load:
    """Phones running in a background thread while the main thread breaks things."""

    def __init__(self, base: str, slugs: list[str], clients: int, seconds: float, seed: int):
        self.result: Tallies | None = None
        self.t0 = time.monotonic()
        self.thread = threading.Thread(target=self._run, daemon=True,
                                       args=(base, slugs, clients, seconds, seed))
        self.thread.start()

    def _run(self, base, slugs, clients, seconds, seed):
        self.result = run_phones(base, slugs, clients=clients, seconds=seconds, seed=seed,
                                 timeline=True)

    def join(self) -> Tallies:
        self.thread.join()
        assert self.result is not None
        return self.result


def timeline(tallies: Tallies, t0: float, marks: dict[str, float]) -> str:
    """Statuses per second of the run, with the fault's marks: how the phones lived it."""
    buckets: dict[int, Tally] = {}
    for when, what in tallies.timeline:
        buckets.setdefault(int(when - t0), Tally())[what] += 1
    lines = []
    mark_at = {int(v - t0): k for k, v in marks.items()}
    for second in sorted(buckets):
        seen = ", ".join(f"{k} {v}" for k, v in sorted(buckets[second].items()))
        flag = f"   <-- {mark_at[second]}" if second in mark_at else ""
        lines.append(f"  t={second:>3}s  {seen}{flag}")
    return "\n".join(lines)


def served_after(tallies: Tallies, moment: float) -> int:
    return sum(1 for when, what in tallies.timeline if when > moment and what == "POST 303")


def statuses_between(tallies: Tallies, start: float, end: float) -> Tally:
    return Tally(what for when, what in tallies.timeline if start <= when <= end)


def report(name: str, database: BenchDatabase, tallies: Tallies, t0: float,
           marks: dict[str, float], extra_ok: bool = True, verbose: bool = True) -> bool:
    check = reconcile(database, tallies)
    print(f"--- {name}: {tallies.accepted} acknowledged in {tallies.seconds:.0f} s; statuses "
          + ", ".join(f"{k}: {v}" for k, v in sorted(tallies.statuses.items())))
    if tallies.transport_errors:
        print("    transport errors (server gone):", dict(tallies.transport_errors))
    if verbose:
        print(timeline(tallies, t0, marks))
    five_hundreds = sum(v for k, v in tallies.statuses.items() if k.endswith(" 500"))
    print(f"    {check.line()}; 500s: {five_hundreds}")
    ok = check.ok and extra_ok and five_hundreds == 0
    print(f"    => {name}: {'PASS' if ok else 'FAIL'}", flush=True)
    return ok


def scenario_worker(args, workdir: Path) -> bool:
    database = BenchDatabase(args.db, workdir, "fault_worker")
    slugs = database.migrate_and_seed(200)
    with Server(_env(database), workers=3, log=workdir / "fault-worker.log") as server:
        load = Load(server.base, slugs, args.clients, args.seconds, seed=11)
        marks = {}
        time.sleep(args.seconds / 3)
        for _ in range(args.kills):
            pid = server.kill_worker()
            marks[f"SIGKILL worker {pid}"] = time.monotonic()
            time.sleep(args.seconds / 3 / args.kills)
        tallies = load.join()
        alive = len(server.worker_pids())
    ok = report("kill -9 worker", database, tallies, load.t0, marks,
                extra_ok=alive == 3, verbose=args.verbose)
    print(f"    workers alive at the end: {alive} of 3 (gunicorn replaced the killed ones)")
    database.drop()
    return ok


def scenario_server(args, workdir: Path) -> bool:
    database = BenchDatabase(args.db, workdir, "fault_server")
    slugs = database.migrate_and_seed(200)
    server = Server(_env(database), workers=3, log=workdir / "fault-server.log").start()
    load = Load(server.base, slugs, args.clients, args.seconds, seed=12)
    time.sleep(args.seconds / 3)
    server.kill_all()
    killed = time.monotonic()
    time.sleep(2)
    server.start()
    restarted = time.monotonic()
    tallies = load.join()
    server.stop()
    ok = report("kill -9 server", database, tallies, load.t0,
                {"SIGKILL master+workers": killed, "restarted": restarted},
                extra_ok=served_after(tallies, restarted) > 0, verbose=args.verbose)
    database.drop()
    return ok


def _pg(action: str) -> None:
    version = sorted(p.name for p in Path("/etc/postgresql").iterdir())[0]
    subprocess.run(["pg_ctlcluster", "--skip-systemctl-redirect", version, "main", action,
                    *(["-m", "fast"] if action == "stop" else [])], check=True)


def scenario_postgres(args, workdir: Path) -> bool:
    database = BenchDatabase("postgresql", workdir, "fault_pg")
    slugs = database.migrate_and_seed(200)
    database.dispose()
    with Server(_env(database), workers=3, log=workdir / "fault-pg.log") as server:
        load = Load(server.base, slugs, args.clients, args.seconds, seed=13)
        time.sleep(args.seconds / 3)
        _pg("stop")
        down = time.monotonic()
        time.sleep(args.downtime)
        _pg("start")
        up = time.monotonic()
        tallies = load.join()
        alive = len(server.worker_pids())
    during = statuses_between(tallies, down + 0.5, up)
    after = served_after(tallies, up + 2)
    print(f"    while PostgreSQL was down: {dict(during)}; 303s after it was back: {after}")
    ok = report("PostgreSQL restart", database, tallies, load.t0,
                {"PostgreSQL stopped": down, "PostgreSQL started": up},
                extra_ok=(during.get("POST 503", 0) + during.get("GET 503", 0) > 0
                          and after > 0 and alive == 3), verbose=args.verbose)
    database.drop()
    return ok


def _mount_tmpfs(path: Path, size: str) -> None:
    path.mkdir(parents=True, exist_ok=True)
    subprocess.run(["umount", str(path)], capture_output=True)
    subprocess.run(["mount", "-t", "tmpfs", "-o", f"size={size}", "tmpfs", str(path)], check=True)


def scenario_disk_full(args, workdir: Path, name: str = "fault_full") -> bool:
    mnt = workdir / f"mnt-{name}"
    _mount_tmpfs(mnt, "64m")
    try:
        database = BenchDatabase("sqlite", mnt, name)
        slugs = database.migrate_and_seed(200)
        database.dispose()
        log = workdir / f"fault-{name}.log"
        log.unlink(missing_ok=True)
        with Server(_env(database), workers=3, log=log) as server:
            pids = sorted(server.worker_pids())
            load = Load(server.base, slugs, args.clients, args.seconds, seed=14)
            time.sleep(args.seconds / 3)
            # Shrink the file system to what is used now: the next pages do not fit.
            used = int(subprocess.run(["du", "-sk", str(mnt)], capture_output=True,
                                      text=True).stdout.split()[0])
            subprocess.run(["mount", "-o", f"remount,size={used + 4}k", str(mnt)], check=True)
            start = time.monotonic()
            time.sleep(args.downtime)
            subprocess.run(["mount", "-o", "remount,size=64m", str(mnt)], check=True)
            end = time.monotonic()
            tallies = load.join()
            same_workers = sorted(server.worker_pids()) == pids
        during = statuses_between(tallies, start + 0.5, end)
        after = served_after(tallies, end + 2)
        logged = sum("database unavailable" in line for line in log.read_text().splitlines())
        print(f"    during the fault: {dict(during)}; 303s after: {after}; log lines "
              f"'database unavailable': {logged}; same worker processes throughout "
              f"(no crash loop): {same_workers}")
        label = "disk full"
        ok = report(f"SQLite {label}", database, tallies, load.t0,
                    {f"{label} begins": start, "space restored": end},
                    extra_ok=(during.get("POST 503", 0) > 0 and after > 0 and logged > 0
                              and same_workers), verbose=args.verbose)
        database.dispose()
    finally:
        subprocess.run(["umount", str(mnt)], capture_output=True)
    return ok


def _env(database: BenchDatabase) -> dict[str, str]:
    env = database.env()
    if database.kind == "postgresql" and redis_reachable():
        flush_redis()
        env["SIPAS_RATELIMIT_STORAGE_URI"] = REDIS_URL
    return env


SCENARIOS = {
    "worker": scenario_worker,
    "server": scenario_server,
    "postgres": scenario_postgres,
    "disk-full": scenario_disk_full,
}


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("scenario", choices=[*SCENARIOS, "all"])
    ap.add_argument("--db", choices=["sqlite", "postgresql"], default="postgresql",
                    help="database of the worker and server scenarios")
    ap.add_argument("--clients", type=int, default=30)
    ap.add_argument("--seconds", type=float, default=24)
    ap.add_argument("--kills", type=int, default=3, help="workers killed in `worker`")
    ap.add_argument("--downtime", type=float, default=5, help="seconds the fault lasts")
    ap.add_argument("--quiet", dest="verbose", action="store_false",
                    help="no per-second timeline")
    ap.add_argument("--workdir", type=Path, default=Path(tempfile.gettempdir()) / "sipas-fault")
    args = ap.parse_args()
    args.workdir.mkdir(parents=True, exist_ok=True)
    names = list(SCENARIOS) if args.scenario == "all" else [args.scenario]
    results = {name: SCENARIOS[name](args, args.workdir) for name in names}
    print("\n" + "; ".join(f"{k}: {'PASS' if v else 'FAIL'}" for k, v in results.items()))
    return 0 if all(results.values()) else 1


if __name__ == "__main__":
    sys.exit(main())
