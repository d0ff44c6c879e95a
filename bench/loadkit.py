"""Shared parts of the load, fault and abuse scripts: a bench database, gunicorn, phones.

- `BenchDatabase` makes an empty database (SQLite file or a PostgreSQL schema), migrates it
  with Alembic as production does, and adds one unit with many counters; afterwards it
  counts what was stored and looks for partial responses.
- `Server` runs the app (or the baseline app) under gunicorn on 127.0.0.1, as production
  does, and can kill it or one of its workers with SIGKILL.
- `run_phones` drives N simulated phones with asyncio: each fetches a counter's form and
  sends it back with its CSRF and one-time form tokens, sometimes retrying a POST (lost
  reply) or tapping "Gửi" twice; every request's status and latency is recorded.

Only 127.0.0.1 is used. Every phone gets its own address through X-Forwarded-For (the
server trusts one proxy, SIPAS_PROXY_COUNT=1, as behind nginx), so the per-client rate
limit applies per phone, not to the whole load generator.
"""

from __future__ import annotations

import asyncio
import html
import os
import random
import re
import signal
import socket
import subprocess
import sys
import time
from collections import Counter as Tally
from dataclasses import dataclass, field
from pathlib import Path

import sqlalchemy as sa

from bench.seeding import drop_schema, schema_url

ROOT = Path(__file__).resolve().parent.parent
REDIS_URL = os.environ.get("SIPAS_BENCH_REDIS", "redis://127.0.0.1:6379/15")
GUNICORN = Path(sys.executable).with_name("gunicorn")
SECRETS = {"SIPAS_SECRET_KEY": "bench-secret-key-0123456789abcdef",
           "SIPAS_DOSSIER_KEY": "bench-dossier-key-0123456789abcdef",
           "SIPAS_CONTACT_KEY": "bench-contact-key-0123456789abcdef"}


# --- database -------------------------------------------------------------------------


class BenchDatabase:
    """A migrated, empty database for one run, with `counters` counters of one unit."""

    def __init__(self, kind: str, workdir: Path, name: str = "bench_load"):
        self.kind = kind
        workdir.mkdir(parents=True, exist_ok=True)
        if kind == "sqlite":
            self.path = workdir / f"{name}.sqlite3"
            for suffix in ("", "-wal", "-shm"):
                Path(str(self.path) + suffix).unlink(missing_ok=True)
            self.url = f"sqlite:///{self.path}"
        elif kind == "postgresql":
            self.schema = name
            drop_schema(name)  # an empty schema for every run
            self.url = schema_url(name)
        else:
            raise SystemExit(f"unknown database kind {kind!r} (sqlite or postgresql)")
        self._engine: sa.Engine | None = None

    @property
    def engine(self) -> sa.Engine:
        if self._engine is None:
            self._engine = sa.create_engine(self.url, pool_pre_ping=True)
        return self._engine

    def env(self) -> dict[str, str]:
        return {"SIPAS_DATABASE_URL": self.url}

    def migrate_and_seed(self, counters: int, instrument: str = "counter-2018") -> list[str]:
        """`flask db upgrade` and `init-data` as an operator would, then the bench counters."""
        env = {**os.environ, **SECRETS, **self.env()}
        for args in (["db", "upgrade"], ["init-data"]):
            subprocess.run([sys.executable, "-m", "flask", "--app", "survey_app", *args],
                           cwd=ROOT, env=env, check=True, capture_output=True)
        with self.engine.begin() as conn:
            iv = conn.scalar(sa.text(
                "SELECT id FROM instrument_versions WHERE code = :c "
                "ORDER BY version DESC LIMIT 1"), {"c": instrument})
            fields = conn.scalars(sa.text("SELECT id FROM fields ORDER BY id")).all()
            unit = conn.scalar(sa.text(
                "INSERT INTO units (code, name_vi, name_en, kind, level, active, publish_results)"
                " VALUES ('BENCH', 'UBND xã Thử Tải', 'Load Test Commune', :kind, :level,"
                " true, false) RETURNING id"), {"kind": "xa", "level": "xa"})
            rows = []
            for i in range(counters):
                # Half the counters serve one field (no question asked), half ask for it.
                rows.append({"unit": unit, "code": f"Q{i:04d}", "name": f"Quầy {i}",
                             "slug": f"bench{i:07d}x", "iv": iv,
                             "field": fields[i % len(fields)] if i % 2 else None})
            conn.execute(sa.text(
                "INSERT INTO counters (unit_id, code, name_vi, slug, verify_code,"
                " instrument_version_id, field_id, active) VALUES"
                " (:unit, :code, :name, :slug, 'BENCH1', :iv, :field, true)"), rows)
        return [r["slug"] for r in rows]

    def stored(self) -> dict[str, int]:
        """What the database holds: responses, answers, and partial responses (must be 0)."""
        with self.engine.connect() as conn:
            def one(sql: str) -> int:
                return int(conn.scalar(sa.text(sql)) or 0)
            return {
                "responses": one("SELECT count(*) FROM responses"),
                "answers": one("SELECT count(*) FROM answers"),
                "responses_without_answers": one(
                    "SELECT count(*) FROM responses r WHERE NOT EXISTS"
                    " (SELECT 1 FROM answers a WHERE a.response_id = r.id)"),
                "answers_without_response": one(
                    "SELECT count(*) FROM answers a WHERE NOT EXISTS"
                    " (SELECT 1 FROM responses r WHERE r.id = a.response_id)"),
                "duplicate_submission_keys": one(
                    "SELECT count(*) FROM (SELECT submission_key FROM responses"
                    " GROUP BY submission_key HAVING count(*) > 1) d"),
            }

    def submission_keys(self) -> set[str]:
        with self.engine.connect() as conn:
            return set(conn.scalars(sa.text("SELECT submission_key FROM responses")))

    def dispose(self) -> None:
        if self._engine is not None:
            self._engine.dispose()
            self._engine = None

    def drop(self) -> None:
        self.dispose()
        if self.kind == "postgresql":
            drop_schema(self.schema)


# --- server ---------------------------------------------------------------------------


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Server:
    """gunicorn serving `app` (default: the real app) on 127.0.0.1."""

    def __init__(self, env: dict[str, str], workers: int = 4, threads: int = 1,
                 app: str = "survey_app:create_app()", port: int | None = None,
                 log: Path | None = None):
        self.port = port or free_port()
        self.base = f"http://127.0.0.1:{self.port}"
        self.env = {**os.environ, **SECRETS, "SIPAS_PROXY_COUNT": "1", "SIPAS_ENV": "production",
                    "SIPAS_SECURE_COOKIES": "0",  # plain http on 127.0.0.1
                    "SIPAS_PUBLIC_BASE_URL": self.base,  # production refuses to start without
                    "SIPAS_ALLOW_SQLITE_IN_PRODUCTION": "1",  # the SQLite benches
                    **env}
        self.args = [str(GUNICORN), "--bind", f"127.0.0.1:{self.port}", "--workers", str(workers),
                     "--threads", str(threads), "--worker-class", "gthread" if threads > 1 else "sync",
                     "--backlog", "2048", "--graceful-timeout", "5", "--timeout", "30",
                     "--log-level", "warning", app]
        self.log = log
        self.proc: subprocess.Popen | None = None

    def start(self, wait: float = 90.0) -> Server:
        if self.log:
            with open(self.log, "ab") as out:  # the child keeps its own copy of the file
                self.proc = subprocess.Popen(self.args, cwd=ROOT, env=self.env, stdout=out,
                                             stderr=subprocess.STDOUT, start_new_session=True)
        else:
            self.proc = subprocess.Popen(self.args, cwd=ROOT, env=self.env,
                                         stdout=subprocess.DEVNULL, stderr=subprocess.STDOUT,
                                         start_new_session=True)
        self.wait_healthy(wait)
        return self

    def wait_healthy(self, wait: float = 30.0, path: str = "/healthz") -> None:
        import urllib.request
        deadline = time.monotonic() + wait
        while time.monotonic() < deadline:
            if self.proc is not None and self.proc.poll() is not None:
                raise RuntimeError(f"gunicorn exited with {self.proc.returncode}; see {self.log}")
            try:
                with urllib.request.urlopen(self.base + path, timeout=2) as r:
                    if r.status == 200:
                        return
            except OSError:
                pass
            time.sleep(0.2)
        raise RuntimeError(f"server on {self.base} not healthy after {wait} s")

    def worker_pids(self) -> list[int]:
        assert self.proc is not None
        out = subprocess.run(["pgrep", "-P", str(self.proc.pid)], capture_output=True, text=True)
        return [int(p) for p in out.stdout.split()]

    def kill_worker(self) -> int:
        pid = random.choice(self.worker_pids())
        os.kill(pid, signal.SIGKILL)
        return pid

    def kill_all(self) -> None:
        """SIGKILL the master and every worker at once, as a crash or OOM killer would."""
        if self.proc is not None and self.proc.poll() is None:
            os.killpg(self.proc.pid, signal.SIGKILL)
            self.proc.wait()

    def stop(self) -> None:
        if self.proc is not None and self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
            try:
                self.proc.wait(15)
            except subprocess.TimeoutExpired:
                self.kill_all()

    def __enter__(self) -> Server:
        return self.start()

    def __exit__(self, *exc) -> None:
        self.stop()


# --- phones ---------------------------------------------------------------------------

CSRF_RE = re.compile(r'name="csrf_token"[^>]*value="([^"]+)"')
TOKEN_RE = re.compile(r'name="form_token"[^>]*value="([^"]+)"')
RADIO_RE = re.compile(r'<input[^>]*type="radio"[^>]*name="(q_[^"]+)"[^>]*value="([^"]+)"')
FIELD_RE = re.compile(r'<select[^>]*name="field".*?</select>', re.S)
OPTION_RE = re.compile(r'<option[^>]*value="([^"]+)"')


def fill_form(page: str, rng: random.Random) -> dict[str, str] | None:
    """The POST body a citizen would send for this form page (None if it is not a form)."""
    csrf, token = CSRF_RE.search(page), TOKEN_RE.search(page)
    if not csrf or not token:
        return None
    options: dict[str, list[str]] = {}
    for name, value in RADIO_RE.findall(page):
        options.setdefault(name, []).append(value)
    body = {"csrf_token": html.unescape(csrf.group(1)),
            "form_token": html.unescape(token.group(1)), "website": ""}
    for name, values in options.items():
        numeric = [v for v in values if v.isdigit()]
        # Most citizens are satisfied: lean to the top of the scale.
        body[name] = max(rng.choice(numeric), rng.choice(numeric)) if numeric else values[0]
    select = FIELD_RE.search(page)
    if select:
        codes = [c for c in OPTION_RE.findall(select.group(0)) if c]
        body["field"] = rng.choice(codes)
    d = re.search(r'name="d"[^>]*value="([^"]*)"', page)
    if d and d.group(1):
        body["d"] = html.unescape(d.group(1))
    return body


class Phone:
    """One citizen's phone, synchronous: its own cookies and address, redirects not followed."""

    def __init__(self, ip: str):
        import http.cookiejar
        import urllib.request

        class _Keep3xx(urllib.request.HTTPRedirectHandler):
            def redirect_request(self, *_args, **_kwargs):
                return None  # a 303 is an answer to look at, not to follow

        self.ip = ip
        self.opener = urllib.request.build_opener(
            urllib.request.HTTPCookieProcessor(http.cookiejar.CookieJar()), _Keep3xx())

    def request(self, url: str, data: dict[str, str] | None = None) -> tuple[int, str]:
        status, page, _location = self._send(url, data)
        return status, page

    def _send(self, url: str, data: dict[str, str] | None = None) -> tuple[int, str, str | None]:
        import urllib.error
        import urllib.parse
        import urllib.request

        body = urllib.parse.urlencode(data).encode() if data is not None else None
        req = urllib.request.Request(url, data=body, headers={
            "X-Forwarded-For": self.ip, "User-Agent": "sipas-bench-phone"})
        try:
            with self.opener.open(req, timeout=30) as r:
                return r.status, r.read().decode("utf-8", "replace"), None
        except urllib.error.HTTPError as err:
            return (err.code, err.read().decode("utf-8", "replace"),
                    err.headers.get("Location"))

    def get(self, url: str) -> tuple[int, str]:
        """GET `url` and follow its redirects, as a phone's browser does: a receipt link
        (?d=) answers 303 to the clean /s/<slug>, the token kept in the session cookie."""
        import urllib.parse

        for _hop in range(5):
            status, page, location = self._send(url)
            if status not in (301, 302, 303, 307, 308) or not location:
                return status, page
            url = urllib.parse.urljoin(url, location)
        return status, page

    def fill(self, url: str, rng: random.Random | None = None) -> dict[str, str]:
        status, page = self.get(url)
        body = fill_form(page, rng or random.Random(0)) if status == 200 else None
        if body is None:
            raise RuntimeError(f"GET {url} gave {status}, not a form")
        return body

    def submit(self, url: str, rng: random.Random | None = None) -> int:
        """Open the form at `url` (a counter or receipt link) and send it; the POST's status."""
        body = self.fill(url, rng)
        return self.request(url.split("?")[0], body)[0]


@dataclass
class Tallies:
    """What the phones saw. A submission counts as stored only on a 303 to the thank-you page."""

    accepted: int = 0                 # POSTs answered 303 (stored)
    get_latency: list[float] = field(default_factory=list)
    post_latency: list[float] = field(default_factory=list)
    statuses: Tally = field(default_factory=Tally)      # "GET 200", "POST 303", "POST 409", …
    transport_errors: Tally = field(default_factory=Tally)
    retries: int = 0                  # POST re-sent after a (simulated) lost reply
    double_taps: int = 0              # the same POST sent twice at once
    unknown_outcome: int = 0          # a POST whose reply never came (connection dropped)
    acknowledged_tokens: set[str] = field(default_factory=set)  # form tokens answered 303
    unanswered_tokens: set[str] = field(default_factory=set)    # sent, reply never came
    started: float = 0.0
    finished: float = 0.0
    client_cpu: float = 0.0           # CPU seconds the phones themselves used
    keep_timeline: bool = False
    timeline: list[tuple[float, str]] = field(default_factory=list)  # (monotonic, "POST 303")

    def saw(self, what: str) -> None:
        self.statuses[what] += 1
        if self.keep_timeline:
            self.timeline.append((time.monotonic(), what))

    @property
    def seconds(self) -> float:
        return max(self.finished - self.started, 1e-9)


async def _post(session, url: str, body: dict, headers: dict, tallies: Tallies,
                kind: str) -> int | None:
    """One POST of a filled form; its outcome recorded (None: the reply never came)."""
    import aiohttp

    t0 = time.perf_counter()
    try:
        async with session.post(url, data=body, headers=headers, allow_redirects=False) as resp:
            await resp.read()
            status = resp.status
    except (TimeoutError, aiohttp.ClientError) as exc:
        tallies.transport_errors[f"POST {type(exc).__name__}"] += 1
        tallies.unknown_outcome += 1
        tallies.unanswered_tokens.add(body["form_token"])
        if tallies.keep_timeline:
            tallies.timeline.append((time.monotonic(), "POST no reply"))
        return None
    tallies.post_latency.append(time.perf_counter() - t0)
    tallies.saw(f"POST{kind} {status}")
    if status == 303:
        tallies.accepted += 1
        tallies.acknowledged_tokens.add(body["form_token"])
    return status


async def _phone(session_factory, base: str, slugs: list[str], tallies: Tallies,
                 deadline: float, budget: list[int], rng: random.Random, retry_rate: float,
                 double_tap_rate: float, think: float) -> None:
    import aiohttp

    while time.monotonic() < deadline and budget[0] > 0:
        budget[0] -= 1
        ip = f"10.{rng.randrange(256)}.{rng.randrange(256)}.{rng.randrange(1, 255)}"
        headers = {"X-Forwarded-For": ip, "User-Agent": "sipas-bench-phone"}
        slug = rng.choice(slugs)
        async with session_factory() as session:  # a new phone: empty cookie jar
            try:
                t0 = time.perf_counter()
                async with session.get(f"{base}/s/{slug}", headers=headers) as r:
                    page = await r.text()
                    tallies.saw(f"GET {r.status}")
                tallies.get_latency.append(time.perf_counter() - t0)
            except (TimeoutError, aiohttp.ClientError) as exc:
                tallies.transport_errors[f"GET {type(exc).__name__}"] += 1
                if tallies.keep_timeline:
                    tallies.timeline.append((time.monotonic(), "GET no reply"))
                await asyncio.sleep(0.05)
                continue
            body = fill_form(page, rng) if r.status == 200 else None
            if body is None:
                continue
            if think:
                await asyncio.sleep(think)

            url = f"{base}/s/{slug}"

            def post(kind: str = "", url=url, body=body, headers=headers):
                return _post(session, url, body, headers, tallies, kind)

            roll = rng.random()
            if roll < double_tap_rate:
                tallies.double_taps += 1
                await asyncio.gather(post(" double-tap"), post(" double-tap"))
            else:
                status = await post()
                if status is None or roll < double_tap_rate + retry_rate:
                    # The reply was lost (or we pretend so): the phone sends the same form again.
                    tallies.retries += 1
                    await post(" retry")


async def _run(base: str, slugs: list[str], clients: int, seconds: float, max_submissions: int,
               seed: int, retry_rate: float, double_tap_rate: float, think: float,
               timeline: bool) -> Tallies:
    import aiohttp

    tallies = Tallies(keep_timeline=timeline)
    connector = aiohttp.TCPConnector(limit=0, force_close=False)
    timeout = aiohttp.ClientTimeout(total=30)

    def session_factory():
        return aiohttp.ClientSession(connector=connector, connector_owner=False, timeout=timeout,
                                     cookie_jar=aiohttp.CookieJar(unsafe=True))

    budget = [max_submissions]
    tallies.started = time.monotonic()
    deadline = tallies.started + seconds
    await asyncio.gather(*(
        _phone(session_factory, base, slugs, tallies, deadline, budget,
               random.Random(seed * 1000 + i), retry_rate, double_tap_rate, think)
        for i in range(clients)))
    tallies.finished = time.monotonic()
    await connector.close()
    return tallies


def run_phones(base: str, slugs: list[str], clients: int = 50, seconds: float = 30,
               max_submissions: int = 1_000_000, seed: int = 1, retry_rate: float = 0.03,
               double_tap_rate: float = 0.02, think: float = 0.0,
               timeline: bool = False) -> Tallies:
    import resource

    before = resource.getrusage(resource.RUSAGE_SELF)
    tallies = asyncio.run(_run(base, slugs, clients, seconds, max_submissions, seed, retry_rate,
                               double_tap_rate, think, timeline))
    after = resource.getrusage(resource.RUSAGE_SELF)
    tallies.client_cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    return tallies


def submission_key(form_token: str) -> str:
    """Response.submission_key of a form token the bench server issued (bench secret)."""
    import hashlib

    from itsdangerous import URLSafeTimedSerializer

    from survey_app.services.survey_tokens import FORM_SALT
    _counter, nonce = URLSafeTimedSerializer(SECRETS["SIPAS_SECRET_KEY"], salt=FORM_SALT).loads(
        form_token)
    return hashlib.sha256(f"form:{nonce}".encode()).hexdigest()


@dataclass
class Reconciliation:
    """Acknowledged submissions against what the database holds, key by key."""

    acknowledged: int
    stored: int
    lost: int         # answered 303 but not in the database: must be 0
    phantom: int      # in the database but never sent by a phone: must be 0
    unanswered_stored: int  # the reply was lost but the response was stored (fine: one copy)
    partial: int      # responses without answers or answers without response: must be 0
    duplicates: int   # a submission key twice: must be 0 (the database forbids it)

    @property
    def ok(self) -> bool:
        return not (self.lost or self.phantom or self.partial or self.duplicates)

    def line(self) -> str:
        verdict = "OK" if self.ok else "FAILED"
        return (f"reconciliation {verdict}: acknowledged {self.acknowledged}, stored "
                f"{self.stored}, lost {self.lost}, phantom {self.phantom}, stored though the "
                f"reply was lost {self.unanswered_stored}, partial {self.partial}, "
                f"duplicate keys {self.duplicates}")


def reconcile(database: BenchDatabase, *runs: Tallies, before: set[str] = frozenset()
              ) -> Reconciliation:
    acknowledged = {submission_key(t) for r in runs for t in r.acknowledged_tokens}
    unanswered = {submission_key(t) for r in runs for t in r.unanswered_tokens} - acknowledged
    stored = database.submission_keys() - set(before)
    counts = database.stored()
    return Reconciliation(
        acknowledged=len(acknowledged), stored=len(stored), lost=len(acknowledged - stored),
        phantom=len(stored - acknowledged - unanswered),
        unanswered_stored=len(stored & unanswered),
        partial=counts["responses_without_answers"] + counts["answers_without_response"],
        duplicates=counts["duplicate_submission_keys"])


def percentile(values: list[float], q: float) -> float:
    if not values:
        return float("nan")
    ordered = sorted(values)
    k = min(len(ordered) - 1, max(0, round(q / 100 * (len(ordered) - 1))))
    return ordered[k]


def latency_line(name: str, values: list[float]) -> str:
    ms = [v * 1000 for v in values]
    return (f"{name:<6} n={len(ms):>7}  p50 {percentile(ms, 50):7.1f} ms  "
            f"p95 {percentile(ms, 95):7.1f} ms  p99 {percentile(ms, 99):7.1f} ms  "
            f"max {max(ms, default=float('nan')):7.1f} ms")


def redis_reachable(url: str = REDIS_URL) -> bool:
    try:
        import redis
        redis.Redis.from_url(url, socket_connect_timeout=1).ping()
        return True
    except Exception:  # noqa: BLE001 - any failure means "not reachable"
        return False


def flush_redis(url: str = REDIS_URL) -> None:
    import redis
    redis.Redis.from_url(url).flushdb()
