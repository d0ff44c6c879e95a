"""A unit that wants a better score, or a citizen with a grudge: what can they do to the index?

    python bench/abuse.py                 # PostgreSQL + Redis, as in production
    python bench/abuse.py --db sqlite     # the embedded shape (memory rate-limit store)

Against the app under gunicorn, with the production limits (10 submissions per minute
per client, 120 per minute per counter) it tries, and prints what got through:

1. Counter stuffing from one phone: 200 submissions of "very satisfied" as fast as it can.
2. Counter stuffing from many addresses (a staff member with mobile data toggling, or a
   small botnet): 400 submissions from 400 addresses to one counter in under a minute.
3. Form-token replay: one filled form sent 20 times (and 20 times at once).
4. Receipt-link replay: one dossier's link used 20 times, 10 of them at the same moment,
   and a tampered link.

5. The patient stuffer: 30 addresses that each wait five seconds, as a person would.
   Nothing here can tell that from people; the script prints it as what the rules do
   not stop (and what does limit it), not as a failure.

Then it computes the unit's index through the SQL path used by the dashboard and shows
that what was flagged (too fast to be a person) stays out of it. Exit status 1 if any
rule gave way (more stored than the limits allow, a dossier or form counted twice, a
flagged response in the index).
"""

from __future__ import annotations

import argparse
import random
import sys
import tempfile
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import sqlalchemy as sa

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.loadkit import (
    REDIS_URL,
    SECRETS,
    BenchDatabase,
    Phone,
    Server,
    fill_form,
    flush_redis,
    redis_reachable,
)


def line(title: str, statuses: list[int], stored: int, allowed: int) -> bool:
    tally = {s: statuses.count(s) for s in sorted(set(statuses))}
    ok = stored <= allowed
    print(f"{title}\n    answers: {tally}; stored: {stored} (at most {allowed} allowed) → "
          f"{'HOLDS' if ok else 'BROKEN'}", flush=True)
    return ok


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--db", choices=["sqlite", "postgresql"], default="postgresql")
    ap.add_argument("--workdir", type=Path, default=Path(tempfile.gettempdir()) / "sipas-abuse")
    args = ap.parse_args()
    database = BenchDatabase(args.db, args.workdir, "bench_abuse")
    slugs = database.migrate_and_seed(10)
    env = database.env()
    if args.db == "postgresql":
        if not redis_reachable():
            raise SystemExit(f"Redis not reachable at {REDIS_URL}")
        flush_redis()
        env["SIPAS_RATELIMIT_STORAGE_URI"] = REDIS_URL
    workers = 3
    print(f"{args.db}, {workers} gunicorn workers, rate-limit store "
          f"{env.get('SIPAS_RATELIMIT_STORAGE_URI', 'memory:// (per worker)')}\n")
    rng = random.Random(7)
    ok = True

    def count(sql: str, **params) -> int:
        with database.engine.connect() as conn:
            return int(conn.scalar(sa.text(sql), params) or 0)

    def at(slug: str) -> int:
        return count("SELECT count(*) FROM responses r JOIN counters c ON c.id = r.counter_id "
                     "WHERE c.slug = :s", s=slug)

    with Server(env, workers=workers, log=args.workdir / "abuse.log") as server:
        url = f"{server.base}/s/{{}}"
        # 0. honest citizens: they read the questions before they answer (six seconds here)
        def honest(i: int) -> int:
            phone = Phone(f"100.64.0.{i + 1}")
            body = phone.fill(url.format(slugs[4]), random.Random(i))
            time.sleep(6)
            return phone.request(url.format(slugs[4]), body)[0]
        with ThreadPoolExecutor(8) as pool:
            statuses = list(pool.map(honest, range(8)))
        print(f"0. eight honest citizens at another counter: {statuses}", flush=True)
        ok &= statuses == [303] * 8

        # 1. one phone, one counter, 200 tries
        phone = Phone("203.0.113.50")
        statuses = [phone.submit(url.format(slugs[0]), rng) for _ in range(200)]
        # In-memory limits are per worker: up to `workers` × 10 then; Redis: 10.
        allowed = 10 if args.db == "postgresql" else 10 * workers
        ok &= line("1. one phone stuffs one counter (200 tries)", statuses, at(slugs[0]), allowed)

        # 2. many addresses, one counter, 400 tries within a minute
        with ThreadPoolExecutor(8) as pool:
            statuses = list(pool.map(
                lambda i: Phone(f"198.51.{i // 250}.{i % 250 + 1}").submit(
                    url.format(slugs[1]), random.Random(i)), range(400)))
        allowed = 120 if args.db == "postgresql" else 120 * workers
        ok &= line("2. 400 addresses stuff one counter within a minute", statuses,
                   at(slugs[1]), allowed)

        # 3. one filled form replayed 20 times, then 20 times at once
        replayer = Phone("203.0.113.60")
        body = replayer.fill(url.format(slugs[2]), rng)
        statuses = [replayer.request(url.format(slugs[2]), body)[0] for _ in range(5)]
        body2 = replayer.fill(url.format(slugs[2]), rng)
        with ThreadPoolExecutor(5) as pool:
            statuses += list(pool.map(
                lambda _: replayer.request(url.format(slugs[2]), body2)[0], range(5)))
        ok &= line("3. one form sent 5 times, another 5 times at once (two forms)", statuses,
                   at(slugs[2]), 2)

        # 4. one receipt link used 20 times, 10 at once; a tampered link
        from survey_app import create_app
        app = create_app({"SQLALCHEMY_DATABASE_URI": database.url,
                          "SECRET_KEY": SECRETS["SIPAS_SECRET_KEY"],
                          "DOSSIER_KEY": SECRETS["SIPAS_DOSSIER_KEY"]})
        with app.app_context():
            from survey_app.services.survey_tokens import issue_receipt_token
            counter_id = count("SELECT id FROM counters WHERE slug = :s", s=slugs[3])
            token = issue_receipt_token(counter_id, "000.00.01.H12-261122-0001", "dat-dai")
        link = url.format(slugs[3]) + f"?d={token}"
        phones = [Phone(f"192.0.2.{i + 1}") for i in range(20)]
        bodies = []
        for p in phones[:10]:
            status, page = p.get(link)  # follows the 303 to the clean URL
            bodies.append(fill_form(page, rng) if status == 200 else None)
        with ThreadPoolExecutor(10) as pool:
            statuses = list(pool.map(
                lambda i: phones[i].request(url.format(slugs[3]), bodies[i])[0], range(10)))
        statuses += [p.get(link)[0] for p in phones[10:]]
        tampered = link[:-3] + ("AAA" if not link.endswith("AAA") else "BBB")
        tampered_status = Phone("192.0.2.99").get(tampered)[0]
        ok &= line("4. one receipt link: 10 sent at once, then opened 10 more times", statuses,
                   at(slugs[3]), 1)
        print(f"    a tampered link: {tampered_status} (a page saying the link is not valid)")
        ok &= tampered_status == 400

        # 5. the patient stuffer: many addresses, and each waits like a person would
        def patient(i: int) -> int:
            phone = Phone(f"100.100.{i // 250}.{i % 250 + 1}")
            body = phone.fill(url.format(slugs[5]), random.Random(1000 + i))
            body = {k: (max(v) if k.startswith("q_") and v.isdigit() else v)
                    for k, v in body.items()}
            time.sleep(5)
            return phone.request(url.format(slugs[5]), body)[0]
        with ThreadPoolExecutor(30) as pool:
            statuses = list(pool.map(patient, range(30)))
        valid_there = count("SELECT count(*) FROM responses r JOIN counters c ON c.id ="
                            " r.counter_id WHERE c.slug = :s AND r.status = 'valid'", s=slugs[5])
        print(f"5. 30 addresses, each waiting 5 s like a person: {statuses.count(303)} stored, "
              f"{valid_there} counted as valid.\n    NOT STOPPED by these rules (by design: "
              f"they cannot tell a patient script from people); what limits it is the "
              f"per-counter rate (120/min), receipt links (one per dossier) and comparing "
              f"responses with dossier volumes on the dashboard.", flush=True)

    # Flagged responses stay out of the index: compare the SQL path's respondents with the
    # valid responses of the unit.
    from datetime import date, timedelta

    from survey_app import create_app
    from survey_app.reporting.indices import ReportScope, compute_indices_sql
    app = create_app({"SQLALCHEMY_DATABASE_URI": database.url, "SECRET_KEY": "x",
                      "DOSSIER_KEY": "x"})
    valid = count("SELECT count(*) FROM responses WHERE status = 'valid'")
    flagged = count("SELECT count(*) FROM responses WHERE status = 'flagged'")
    today = date.today()
    with app.app_context():
        result = compute_indices_sql(ReportScope(today - timedelta(days=1),
                                                 today + timedelta(days=1)), by=("unit",))
    respondents = int(result["n_respondents"].max()) if len(result) else 0
    print(f"\nstored {valid + flagged}: valid {valid}, flagged {flagged} (too fast for a person)"
          f"; respondents in the unit's index: {respondents} → "
          f"{'flagged kept out' if respondents == valid else 'FLAGGED COUNTED'}")
    ok &= respondents == valid
    database.drop()
    print("\nall rules held" if ok else "\nA RULE GAVE WAY")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
