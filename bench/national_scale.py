"""Time the full dashboard at national scale on PostgreSQL (prints figures, asserts none).

    python bench/national_scale.py [--answers 10000000] [--revision head] [--repeat 3]
                                   [--verbose] [--drop]

Seeds (once; kept between runs in schema `bench_national`, rebuilt when the size
differs) a country like Vietnam after the 2025 merger: one national root, 34 provinces
(tỉnh/thành phố), each with its own one-stop centre, sở/ban and xã (≈ 700 units, one
counter each), 20 fields, and 8 reporting quarters (10 Dec 2024 – 9 Dec 2026) of
sipas-2022 responses: its 20 element items plus OVERALL, 21 answers a response, so
10 M answers are ≈ 476 k responses. Province sizes are skewed roughly like their
populations; ≈ 79 % of item answers and 83 % of overall answers are satisfied, with
province, unit, field (land lowest) and time effects.

The data are seeded on the schema of migration 0002 (before the national-scale
indexes), then the schema is moved to `--revision` with Alembic (index build times are
printed), so `--revision 0002` measures "before" and the default "after".

Prints the seed time, table and index sizes, and the wall time (best of --repeat, all
runs listed) of build_dashboard for the biggest province and for the nation, for one
quarter and for the year, and of the SQL aggregation alone (answer patterns by unit);
the peak RSS of the process. --verbose adds, per dashboard, its SQL statements by time
and EXPLAIN (ANALYZE, BUFFERS) of the slowest ones. --drop removes the schema at the end.
"""

from __future__ import annotations

import argparse
import io
import resource
import sys
import time
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta, timezone
from pathlib import Path

import numpy as np
import sqlalchemy as sa

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from bench.seeding import copy_answers, copy_rows, drop_schema, likert_values, schema_url  # noqa: E402
from survey_app import create_app  # noqa: E402
from survey_app.extensions import db  # noqa: E402
from survey_app.models import Field, InstrumentVersion, Unit, User  # noqa: E402
from survey_app.reporting import ReportScope  # noqa: E402
from survey_app.reporting.dashboard import DashboardQuery, build_dashboard  # noqa: E402
from survey_app.reporting.indices import compute_indices_sql_many, tune_report_queries  # noqa: E402
from survey_app.seed.reference import sync_reference_data  # noqa: E402

SCHEMA = "bench_national"
MIGRATIONS = str(ROOT / "migrations")
SEED_REVISION = "0002"  # the schema the data are loaded into (before 0003's indexes)
ANSWERS_PER_RESPONSE = 21  # sipas-2022: 20 element items + OVERALL
QUARTERS = [f"{y}-Q{q}" for y in (2025, 2026) for q in (1, 2, 3, 4)]

# The 34 provincial units after the 2025 merger, with rough populations (millions):
# only their ratios matter, to give the skew of a real country.
PROVINCES = [
    ("HCM", "Thành phố Hồ Chí Minh", 14.0), ("HNI", "Thành phố Hà Nội", 8.7),
    ("AGI", "An Giang", 4.9), ("HPG", "Thành phố Hải Phòng", 4.7), ("DNA", "Đồng Nai", 4.5),
    ("NBI", "Ninh Bình", 4.4), ("DTH", "Đồng Tháp", 4.4), ("VLO", "Vĩnh Long", 4.3),
    ("CTO", "Thành phố Cần Thơ", 4.2), ("PTH", "Phú Thọ", 4.0), ("LDO", "Lâm Đồng", 3.9),
    ("THO", "Thanh Hóa", 3.8), ("NAN", "Nghệ An", 3.8), ("BNI", "Bắc Ninh", 3.6),
    ("HYE", "Hưng Yên", 3.6), ("GLA", "Gia Lai", 3.6), ("DLA", "Đắk Lắk", 3.3),
    ("TNI", "Tây Ninh", 3.3), ("DNG", "Thành phố Đà Nẵng", 3.1), ("CMA", "Cà Mau", 2.6),
    ("QNG", "Quảng Ngãi", 2.2), ("KHO", "Khánh Hòa", 2.2), ("QTR", "Quảng Trị", 1.9),
    ("TQU", "Tuyên Quang", 1.9), ("TNG", "Thái Nguyên", 1.8), ("LCA", "Lào Cai", 1.8),
    ("HTI", "Hà Tĩnh", 1.6), ("HUE", "Thành phố Huế", 1.4), ("QNI", "Quảng Ninh", 1.4),
    ("SLA", "Sơn La", 1.3), ("LSO", "Lạng Sơn", 0.8), ("DBI", "Điện Biên", 0.6),
    ("CBA", "Cao Bằng", 0.5), ("LCH", "Lai Châu", 0.5),
]
DEPARTMENTS = ["Sở Tư pháp", "Sở Xây dựng", "Sở Nông nghiệp và Môi trường", "Sở Tài chính",
               "Sở Công Thương", "Sở Y tế", "Sở Giáo dục và Đào tạo", "Sở Nội vụ",
               "Sở Khoa học và Công nghệ", "Sở Văn hóa, Thể thao và Du lịch",
               "Ban Quản lý các khu công nghiệp", "Sở Dân tộc và Tôn giáo"]
EXTRA_FIELDS = [("cong-thuong", "Công Thương", "Industry and trade"),
                ("tai-chinh", "Tài chính", "Finance"),
                ("noi-vu", "Nội vụ", "Home affairs"),
                ("khoa-hoc", "Khoa học và Công nghệ", "Science and technology"),
                ("van-hoa", "Văn hóa, Thể thao và Du lịch", "Culture, sports and tourism"),
                ("thong-tin", "Thông tin và Truyền thông", "Information and communications"),
                ("dan-toc-ton-giao", "Dân tộc và Tôn giáo", "Ethnic and religious affairs"),
                ("cu-tru", "Cư trú", "Residence")]
N_UNITS = 700


# ---------------------------------------------------------------- seeding

def _units(rng) -> list[dict]:
    """The unit tree: root, provinces (their one-stop centres), sở/ban, xã; ≈ N_UNITS."""
    weights = np.array([p[2] for p in PROVINCES])
    share = weights / weights.sum()
    n_so = np.clip(np.round(7 + 5 * share / share.max()), 7, 12).astype(int)
    n_xa_total = N_UNITS - 1 - len(PROVINCES) - int(n_so.sum())
    n_xa = np.maximum(4, np.round(share * n_xa_total)).astype(int)
    n_xa[0] += n_xa_total - int(n_xa.sum())  # the remainder to the biggest city
    units = [dict(code="VN", name="Toàn quốc", kind="tinh", level="tinh", parent=None, size=0.0)]
    for (code, name, _), s, k_so, k_xa in zip(PROVINCES, share, n_so, n_xa, strict=True):
        units.append(dict(code=code, name=f"Trung tâm PVHCC {name}", kind="tinh",
                          level="tinh", parent="VN", size=s * 0.25))
        so = rng.dirichlet(np.full(k_so, 2.0)) * s * 0.35
        for j in range(k_so):
            units.append(dict(code=f"{code}-S{j + 1:02d}", name=f"{DEPARTMENTS[j]} – {name}",
                              kind="so", level="tinh", parent=code, size=so[j]))
        xa = rng.dirichlet(np.full(k_xa, 1.5)) * s * 0.40
        for j in range(k_xa):
            units.append(dict(code=f"{code}-X{j + 1:03d}", name=f"Xã {j + 1} – {name}",
                              kind="xa", level="xa", parent=code, size=xa[j]))
    return units


def _create_units(rng, iv_id: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Insert units and one counter each; returns unit ids, their sizes and effects."""
    spec = _units(rng)
    ids: dict[str, int] = {}
    for u in spec:  # parents come first
        unit = Unit(code=u["code"], name_vi=u["name"], kind=u["kind"], level=u["level"],
                    parent_id=ids.get(u["parent"]))
        db.session.add(unit)
        db.session.flush()
        ids[u["code"]] = unit.id
    db.session.commit()
    province_effect = {p[0]: rng.normal(0, 0.35) for p in PROVINCES}
    unit_ids = np.array([ids[u["code"]] for u in spec])
    sizes = np.array([u["size"] for u in spec])
    effects = np.array([province_effect.get(u["code"][:3], 0.0) + rng.normal(0, 0.5)
                        for u in spec])
    with db.engine.connect() as conn:
        buf = io.StringIO()
        for uid in unit_ids:
            buf.write(f"{uid}\tQ1\tQuầy 1\tq{uid:011d}\tAB{uid % 10_000:04d}\t{iv_id}\tt\n")
        copy_rows(conn, "counters", "unit_id, code, name_vi, slug, verify_code, "
                  "instrument_version_id, active", buf)
        conn.commit()
    return unit_ids, sizes, effects


def _create_fields() -> None:
    have = set(db.session.scalars(sa.select(Field.code)))
    for k, (code, vi, en) in enumerate(EXTRA_FIELDS):
        if code not in have:
            db.session.add(Field(code=code, name_vi=vi, name_en=en, sort_order=200 + k))
    db.session.commit()


def build(n_answers: int, seed: int = 7) -> None:
    rng = np.random.default_rng(seed)
    sync_reference_data()
    _create_fields()
    iv = db.session.scalar(sa.select(InstrumentVersion).filter_by(code="sipas-2022"))
    items = iv.instrument.items
    assert len(items) == ANSWERS_PER_RESPONSE - 1
    unit_ids, sizes, unit_effect = _create_units(rng, iv.id)
    counter_of = dict(db.session.execute(sa.text("SELECT unit_id, id FROM counters")).all())
    field_ids = np.array(db.session.scalars(sa.select(Field.id).order_by(Field.sort_order)).all())
    n = n_answers // ANSWERS_PER_RESPONSE

    # who answers where, about what, when: big provinces, popular fields (land first)
    u_idx = rng.choice(len(unit_ids), n, p=sizes / sizes.sum())
    f_share = rng.dirichlet(np.full(len(field_ids), 0.8))
    f_share[0] += 0.15  # đất đai: the most dossiers everywhere
    f_idx = rng.choice(len(field_ids), n, p=f_share / f_share.sum())
    field_effect = rng.normal(0, 0.25, len(field_ids))
    field_effect[0] -= 0.4  # land is the hardest field to satisfy
    start = datetime(2024, 12, 9, 17, tzinfo=UTC)  # 10 Dec 2024, 00:00 in Vietnam
    span = (datetime(2026, 12, 9, 17, tzinfo=UTC) - start).total_seconds()
    # more responses as the survey spreads: density grows by half over two years
    # density 1 + t/2 on [0, 1]: t = F⁻¹(u) with F(t) = (t + t²/4) / 1.25
    t = np.sort((np.sqrt(1 + 1.25 * rng.random(n)) - 1) / 0.5)
    t = np.clip(t, 0, 1 - 1e-9)
    seconds = t * span
    base = (1.75 + unit_effect[u_idx] + field_effect[f_idx] + 0.15 * t
            + rng.normal(0, 1, n))
    values = likert_values(rng, base, items)
    p_overall = 1 / (1 + np.exp(-(base + 0.3 + rng.normal(0, 0.5, n))))
    overall = np.where(rng.random(n) < p_overall, rng.integers(4, 6, n), rng.integers(1, 4, n))
    channel = rng.choice(["counter_qr", "receipt_qr", "web"], n, p=[0.65, 0.30, 0.05])
    flagged = rng.random(n) < 0.01

    with db.engine.connect() as conn:
        buf = io.StringIO()
        for i in range(n):
            when = (start + timedelta(seconds=float(seconds[i]))).isoformat()
            uid = unit_ids[u_idx[i]]
            dossier = f"{(i * 0x9E3779B97F4A7C15) % (1 << 64):016x}" * 4 \
                if channel[i] == "receipt_qr" else "\\N"
            status = "flagged\tbench: same client, many answers" if flagged[i] else "valid\t\\N"
            buf.write(f"{i + 1}\t{iv.id}\t{counter_of[uid]}\t{uid}\t{field_ids[f_idx[i]]}"
                      f"\t{channel[i]}\t{when}\tvi\t{dossier}\tk{i:015d}\t{status}\n")
        copy_rows(conn, "responses", "id, instrument_version_id, counter_id, unit_id, field_id,"
                  " channel, submitted_at, locale, dossier_hash, submission_key, status,"
                  " status_reason", buf)
        conn.execute(sa.text(f"SELECT setval(pg_get_serial_sequence('responses', 'id'), {n})"))
        copy_answers(conn, items, values, overall=overall)
        _comments(conn, rng, n, start, seconds)
        _volumes(conn, rng, unit_ids[u_idx], field_ids[f_idx], seconds, start)
        conn.commit()
    # Steady state: autovacuum has long visited an insert-mostly table in production
    # (PostgreSQL ≥ 13 vacuums after inserts), setting the visibility map that
    # index-only scans need and the hint bits.
    with db.engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
        conn.execute(sa.text("VACUUM (ANALYZE)"))


def _comments(conn, rng, n: int, start: datetime, seconds: np.ndarray) -> None:
    """2 % of respondents leave a comment; 70 % of those are approved."""
    who = np.flatnonzero(rng.random(n) < 0.02)
    buf = io.StringIO()
    texts = ["Cán bộ nhiệt tình, hướng dẫn rõ ràng.", "Thời gian chờ còn lâu.",
             "Cần thêm chỗ ngồi chờ.", "Hồ sơ trả đúng hẹn, cảm ơn."]
    for i in who:
        when = (start + timedelta(seconds=float(seconds[i]) + 60)).isoformat()
        status = "approved" if rng.random() < 0.7 else "pending"
        buf.write(f"{i + 1}\t{texts[i % len(texts)]}\t{status}\t{when}\n")
    copy_rows(conn, "comments", "response_id, text, status, created_at", buf)


def _volumes(conn, rng, units: np.ndarray, fields: np.ndarray, seconds, start: datetime) -> None:
    """Dossiers received per unit × field × quarter: responses ÷ a response rate of 5–40 %."""
    from analysis.periods import period_bounds

    bounds = [period_bounds(q) for q in QUARTERS]
    vietnam = timezone(timedelta(hours=7))
    ends = [(datetime.combine(e + timedelta(days=1), datetime.min.time(), vietnam) - start)
            .total_seconds() for _, e in bounds]
    quarter = np.searchsorted(ends, seconds, side="right")
    keys, counts = np.unique(np.stack([units, fields, quarter]), axis=1, return_counts=True)
    buf = io.StringIO()
    for (u, f, q), c in zip(keys.T, counts, strict=True):
        received = int(np.ceil(c / rng.uniform(0.05, 0.40)))
        s, e = bounds[q]
        buf.write(f"{u}\t{f}\t{QUARTERS[q]}\t{s}\t{e}\t{received}\n")
    copy_rows(conn, "dossier_volumes", "unit_id, field_id, period, period_start, period_end, "
              "received", buf)


# ---------------------------------------------------------------- measuring

@dataclass
class Statement:
    sql: str
    params: object
    seconds: float


@contextmanager
def statement_log():
    """Every SQL statement run inside the block, with its execute time (server side)."""
    log: list[Statement] = []
    starts: list[float] = []

    def before(*_):  # SQLAlchemy's before_cursor_execute arguments
        starts.append(time.perf_counter())

    def after(_conn, _cursor, statement, parameters, *_):
        log.append(Statement(statement, parameters, time.perf_counter() - starts.pop()))

    sa.event.listen(db.engine, "before_cursor_execute", before)
    sa.event.listen(db.engine, "after_cursor_execute", after)
    try:
        yield log
    finally:
        sa.event.remove(db.engine, "before_cursor_execute", before)
        sa.event.remove(db.engine, "after_cursor_execute", after)


def replay(statements: list[Statement]) -> list:
    """Run logged statements again with the report settings (the app's own tune_report_queries);
    their rows, fetched."""
    out = []
    with db.engine.connect() as conn:
        tune_report_queries(conn)
        for stmt in statements:
            with conn.connection.driver_connection.cursor() as cur:
                cur.execute(stmt.sql, stmt.params)
                out.append(cur.fetchall())
        conn.rollback()
    return out


def pages(statements: list[Statement]) -> int:
    """8 kB pages the statements touch (shared hit + read, EXPLAIN BUFFERS): unlike
    time, this does not move when other work shares the machine."""
    total = 0
    with db.engine.connect() as conn:
        tune_report_queries(conn)
        cur = conn.connection.driver_connection.cursor()
        for stmt in statements:
            cur.execute("EXPLAIN (ANALYZE, BUFFERS, FORMAT JSON) " + stmt.sql, stmt.params)
            plan = cur.fetchone()[0][0]["Plan"]
            total += plan["Shared Hit Blocks"] + plan["Shared Read Blocks"]
        conn.rollback()
    return total


def explain(stmt: Statement, lines: int = 25) -> str:
    """EXPLAIN (ANALYZE, BUFFERS) of a logged statement, with the report settings (tune_report_queries)."""
    with db.engine.connect() as conn:
        tune_report_queries(conn)
        cur = conn.connection.driver_connection.cursor()
        cur.execute("EXPLAIN (ANALYZE, BUFFERS) " + stmt.sql, stmt.params)
        plan = [r[0] for r in cur.fetchall()]
        conn.rollback()
    keep = [p for p in plan if "actual time" in p or p.startswith(("Planning", "Execution"))
            or "Buffers" in p or "Index Cond" in p or "Filter" in p]
    return "\n".join("      " + p for p in keep[:lines])


def timed(label: str, fn, repeat: int, verbose: bool = False,
          statements: list[Statement] | None = None):
    runs = []
    for _ in range(repeat):
        db.session.expire_all()
        with statement_log() as log:
            t0 = time.perf_counter()
            out = fn()
            runs.append(time.perf_counter() - t0)
        db.session.rollback()
    sql = sum(s.seconds for s in log)
    print(f"  {label:44s} best {min(runs):7.2f} s   runs {', '.join(f'{r:.2f}' for r in runs)}"
          f"   [{len(log)} statements, {sql:.2f} s in SQL; {describe(out)}]", flush=True)
    selects = statements or [s for s in log
                             if s.sql.lstrip().upper().startswith(("SELECT", "WITH"))]
    if verbose and selects:
        for s in sorted(selects, key=lambda s: -s.seconds)[:4]:
            head = " ".join(s.sql.split())[:150]
            print(f"    {s.seconds:6.2f} s  {head}")
        slowest = max(selects, key=lambda s: s.seconds)
        print("    EXPLAIN (ANALYZE, BUFFERS) of the slowest:\n" + explain(slowest))
    return min(runs)


def describe(out) -> str:
    """What was computed, to see that a run did the work (and the same work each time)."""
    if hasattr(out, "headline"):
        n = out.headline["n_respondents"] if out.headline else 0
        return (f"{n:,} respondents, {len(out.units)} units, {len(out.trend)} trend points, "
                f"priority {'table' if out.priority is not None else out.priority_note}")
    return f"{sum(len(rows) for rows in out):,} rows"


def sizes() -> None:
    rows = db.session.execute(sa.text(
        "SELECT c.relname, c.relkind, pg_total_relation_size(c.oid), pg_relation_size(c.oid) "
        "FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace "
        "WHERE n.nspname = current_schema() AND c.relkind IN ('r', 'i') "
        "AND pg_relation_size(c.oid) > 1 << 20 ORDER BY pg_relation_size(c.oid) DESC")).all()
    for name, kind, _total, size in rows:
        print(f"  {'table' if kind == 'r' else 'index'} {name:45s} {size / 2**20:8.0f} MiB")


def migrate_to(revision: str) -> None:
    from flask_migrate import downgrade, upgrade

    current = db.session.scalar(sa.text("SELECT version_num FROM alembic_version"))
    db.session.close()
    if current == revision or (revision == "head" and current == _head()):
        return
    t0 = time.perf_counter()
    if revision != "head" and revision < current:
        downgrade(directory=MIGRATIONS, revision=revision)
    else:
        upgrade(directory=MIGRATIONS, revision=revision)
    with db.engine.begin() as conn:
        conn.execute(sa.text("ANALYZE"))
    print(f"schema {current} → {revision} in {time.perf_counter() - t0:.0f} s")


def _head() -> str:
    from alembic.script import ScriptDirectory

    return ScriptDirectory(MIGRATIONS).get_current_head()


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--answers", type=int, default=10_000_000)
    ap.add_argument("--revision", default="head", help="schema revision to measure on")
    ap.add_argument("--repeat", type=int, default=3)
    ap.add_argument("--year", type=int, default=2026)
    ap.add_argument("--quarter", default="Q2")
    ap.add_argument("--verbose", action="store_true")
    ap.add_argument("--parts", default="dashboard,sql", help="what to time: dashboard,sql")
    ap.add_argument("--drop", action="store_true", help="drop the schema at the end")
    args = ap.parse_args()
    url = schema_url(SCHEMA)
    app = create_app({"SQLALCHEMY_DATABASE_URI": url, "SECRET_KEY": "bench",
                      "DOSSIER_KEY": "bench"})
    expected = args.answers // ANSWERS_PER_RESPONSE * ANSWERS_PER_RESPONSE
    with app.app_context():
        have = db.session.scalar(sa.text(
            "SELECT CASE WHEN to_regclass('answers') IS NULL THEN -1 ELSE "
            "(SELECT reltuples::bigint FROM pg_class WHERE oid = to_regclass('answers')) END"))
        db.session.close()
        if have is None or abs(have - expected) > expected * 0.01:
            print(f"seeding {expected:,} answers (have {have})…", flush=True)
            db.engine.dispose()
            drop_schema(SCHEMA)
            schema_url(SCHEMA)
            from flask_migrate import upgrade

            upgrade(directory=MIGRATIONS, revision=SEED_REVISION)
            t0 = time.perf_counter()
            build(args.answers)
            db.session.close()
            print(f"seeded in {time.perf_counter() - t0:.0f} s")
        migrate_to(args.revision)
        counts = db.session.execute(sa.text(
            "SELECT (SELECT count(*) FROM units), (SELECT count(*) FROM fields), "
            "(SELECT count(*) FROM responses), (SELECT count(*) FROM answers)")).one()
        print(f"database: PostgreSQL schema {SCHEMA} at {args.revision}: {counts[0]} units, "
              f"{counts[1]} fields, {counts[2]:,} responses, {counts[3]:,} answers")
        sizes()
        province = db.session.scalar(sa.select(Unit.id).filter_by(code="HCM"))
        root = db.session.scalar(sa.select(Unit.id).filter_by(code="VN"))
        # active=True by hand: the column default applies only on INSERT, and Flask-Login
        # counts an inactive user as not authenticated (who sees nothing).
        analyst = User(username="bench", role="analyst", password_hash="-", active=True)
        quarter, year = f"{args.year}-{args.quarter}", f"{args.year}-Y"
        from survey_app.services.scoping import subtree_ids

        hcm = tuple(sorted(subtree_ids([province])))
        cases = [("province HCM", province, hcm), ("nation", root, None)]
        if "dashboard" in args.parts:
            print("build_dashboard (analyst):")
        for name, unit_id, _ in cases if "dashboard" in args.parts else []:
            for period in (quarter, year):
                q = DashboardQuery(period=period, unit_id=unit_id)
                timed(f"{name}, {period}", lambda q=q: build_dashboard(analyst, q),
                      args.repeat, args.verbose)
        print("\nSQL aggregation alone (the statements of one period's compute_indices_sql_many"
              " by (), unit, field, replayed):" if "sql" in args.parts else "")
        for name, _, ids in cases if "sql" in args.parts else []:
            for period in (quarter, year):
                s = ReportScope.for_period(period, unit_ids=ids)
                with statement_log() as log:
                    compute_indices_sql_many(s, [(), ("unit",), ("field",)])
                report = [st for st in log if "responses" in st.sql]
                timed(f"{name}, {period}", lambda r=report: replay(r), args.repeat,
                      args.verbose, statements=report)
                print(f"    {pages(report):,} pages touched ({len(report)} statements)")
        peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
        print(f"peak RSS of this process: {peak:.0f} MiB")
        db.session.close()
        db.engine.dispose()
    if args.drop:
        drop_schema(SCHEMA)
        print(f"schema {SCHEMA} dropped")


if __name__ == "__main__":
    main()
