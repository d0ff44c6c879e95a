"""Issue 16's table in one run: each figure against its goal, with its floor or baseline
measured side by side in the same run (prints figures, asserts none).

    python bench/issue16.py                      # start-up, --help, engine (4 M answers)
    python bench/issue16.py --responses 500000   # the issue's 10 M answers
    python bench/issue16.py --export-db URL --export-responses 100000
    python bench/issue16.py --load --port 5810   # + citizen submit under gunicorn
    python bench/issue16.py --dashboard          # + bench/national_scale.py (10 M answers)

The machine is shared, so every line prints CPU seconds (what the code costs) next to
wall seconds (what the load made of it), and the load average when it ran. Ratios are
taken between two measurements of the same run. The parts that need a database or a
server are opt-in: they seed data or start gunicorn and take minutes.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import resource
import subprocess
import sys
import textwrap
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

HEAVY = ("scipy", "statsmodels", "matplotlib", "fpdf", "openpyxl", "qrcode")


def load() -> str:
    return "load {:.1f} {:.1f} {:.1f}".format(*os.getloadavg())


def verdict(ok: bool) -> str:
    return "met" if ok else "NOT met"


def child(code: str, *args: str) -> tuple[float, float, str]:
    """(CPU s, wall s, stdout) of a fresh interpreter running `code`."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    t0 = time.perf_counter()
    run = subprocess.run([sys.executable, *((code,) if code.startswith("-") else ("-c", code)),
                          *args], cwd=ROOT, capture_output=True, text=True, check=True,
                         env={**os.environ, "PYTHONPATH": str(ROOT)})
    wall = time.perf_counter() - t0
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    return cpu, wall, run.stdout


def best(code: str, *args: str, runs: int = 3) -> tuple[float, float, str]:
    """The least CPU of `runs` runs (the least disturbed by the neighbours)."""
    return min((child(code, *args) for _ in range(runs)), key=lambda r: r[0])


BOOT = textwrap.dedent("""
    import json, sys, tempfile
    from survey_app import create_app
    create_app({"SQLALCHEMY_DATABASE_URI": f"sqlite:///{tempfile.mkdtemp()}/boot.sqlite3",
                "SECRET_KEY": "x", "DOSSIER_KEY": "y"})
    print(json.dumps(sorted({m.split(".")[0] for m in sys.modules})))
""")


def startup() -> None:
    cpu, wall, out = best(BOOT)
    loaded = set(json.loads(out)) & set(HEAVY)
    print(f"worker boot (create_app in a fresh interpreter): {cpu:.2f} s CPU, {wall:.2f} s "
          f"wall; heavy modules loaded: {', '.join(sorted(loaded)) or 'none'}  [{load()}]")
    print(f"  goal ≤ 2 s → {verdict(cpu <= 2.0)} (CPU; wall depends on the neighbours)")
    help_cpu, help_wall, _ = best("-m", "analysis", "--help")
    pandas_cpu, pandas_wall, _ = best("import pandas")
    ratio = help_cpu / pandas_cpu
    print(f"python -m analysis --help: {help_cpu:.2f} s CPU ({help_wall:.2f} wall) against "
          f"import pandas {pandas_cpu:.2f} s CPU ({pandas_wall:.2f} wall): {ratio:.2f}×  [{load()}]")
    print(f"  goal ≤ 2× → {verdict(ratio <= 2.0)}")


ENGINE = textwrap.dedent("""
    import json, resource, sys, time
    import numpy as np
    from bench.analysis_scale import make_answers
    from analysis.answers import encode_answers, with_design_defaults
    from analysis.indices import compute_indices

    def rss():
        return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024

    compute_indices(make_answers(300), by=["unit"])  # imports (SciPy loads on first use)
    answers = make_answers(int(sys.argv[1]))
    by = ["unit", "field", "period"]
    data_rss = rss()
    cpu, wall = time.process_time(), time.perf_counter()
    out = compute_indices(answers, by=by)
    cpu, wall = time.process_time() - cpu, time.perf_counter() - wall
    engine_rss = rss()

    # The floor: the two passes as one bincount each on integer codes that are already
    # there (group × item for pass 1; respondent, then respondent cell, for pass 2), on
    # the same answers, with the item-level score as the respondent's weight.
    coded = encode_answers(with_design_defaults(answers), by)
    r, k, y = coded.answer_resp, coded.answer_item, coded.answer_satisfied
    g, n_items = coded.resp_group, len(coded.items)
    fcpu, fwall = time.process_time(), time.perf_counter()
    key = g[r] * n_items + k
    sum_y = np.bincount(key, weights=y)                                  # pass 1
    n_x = np.bincount(key, minlength=len(sum_y))
    with np.errstate(divide="ignore", invalid="ignore"):
        a, b = 1 / n_x, sum_y / n_x / n_x
    z = np.bincount(r, weights=a[key] * y - b[key], minlength=len(g))    # pass 2
    sums = np.bincount(g, weights=z), np.bincount(g, weights=z * z)
    fcpu, fwall = time.process_time() - fcpu, time.perf_counter() - fwall
    print(json.dumps({"answers": len(answers), "rows": len(out), "cpu": cpu, "wall": wall,
                      "floor_cpu": fcpu, "floor_wall": fwall, "data_mib": data_rss,
                      "peak_mib": engine_rss}))
""")


def engine(responses: int) -> None:
    _, _, out = child(ENGINE, str(responses))
    e = json.loads(out.strip().splitlines()[-1])
    ratio = e["cpu"] / e["floor_cpu"]
    growth = e["peak_mib"] - e["data_mib"]
    scale = 10_000_000 / e["answers"]
    print(f"engine, {e['answers']:,} answers unit × field × period ({e['rows']:,} rows): "
          f"{e['cpu']:.2f} s CPU ({e['wall']:.2f} wall); two-bincount floor {e['floor_cpu']:.3f} s "
          f"CPU ({e['floor_wall']:.3f} wall): {ratio:.0f}× the floor  [{load()}]")
    print(f"  peak RSS {e['peak_mib']:,.0f} MiB, of which the input table {e['data_mib']:,.0f} MiB "
          f"(engine's own growth {growth:,.0f} MiB; ×{scale:.1f} ≈ {growth * scale:,.0f} MiB "
          "at 10 M answers)")
    peak_10m = e["peak_mib"] * max(scale, 1.0)  # input and engine both grow linearly
    print(f"  goal ≤ 4× the floor, ≤ 1.2 GB → {verdict(ratio <= 4)} / {verdict(peak_10m <= 1200)}"
          f" (peak ≈ {peak_10m:,.0f} MiB at 10 M answers)")


COPY_FLOOR = """COPY (SELECT r.unit_id, r.field_id, r.submitted_at, r.channel,
  r.instrument_version_id, (SELECT string_agg(a.item_code || chr(31) || coalesce(a.value::text, ''),
  chr(30)) FROM answers a WHERE a.response_id = r.id)
  FROM responses r WHERE r.status = 'valid' ORDER BY random()) TO STDOUT"""


def export(url: str, responses: int) -> None:
    """bench/export_stream.py (the real route) and, side by side, the database alone
    producing the same rows with COPY … TO STDOUT: the speed of the database."""
    cpu, wall, out = child("-u", str(ROOT / "bench" / "export_stream.py"), "--database", url,
                           "--responses", str(responses))
    found = re.search(r"exported (\d+) responses.*?([\d.]+) s \(([\d,]+) rows/s\)", out)
    growth = re.search(r"growth (-?\d+) MiB", out)
    import psycopg
    import sqlalchemy as sa
    u = sa.engine.make_url(url)
    conninfo = u.set(drivername="postgresql").render_as_string(hide_password=False)
    t0, rows = time.perf_counter(), 0
    with psycopg.connect(conninfo) as conn, conn.cursor() as cur, cur.copy(COPY_FLOOR) as copy:
        for chunk in copy:
            rows += bytes(chunk).count(b"\n")
    floor = time.perf_counter() - t0
    if not found:
        print("export: bench/export_stream.py printed no figure:\n" + out[-2000:])
        return
    n, secs, rate = int(found[1]), float(found[2]), float(found[3].replace(",", ""))
    print(f"responses export CSV, {n:,} responses on PostgreSQL: {secs:.1f} s wall "
          f"({rate:,.0f} rows/s; process CPU incl. seeding check {cpu:.1f} s); memory growth "
          f"{growth[1] if growth else '?'} MiB; the database alone (COPY … TO STDOUT, same rows) "
          f"{floor:.1f} s ({rows / floor:,.0f} rows/s)  [{load()}]")
    print(f"  goal ≤ 20 s for 1 M (≥ 50,000 rows/s), memory flat → {verdict(rate >= 50_000)} "
          f"(at this rate 1 M takes {1_000_000 / rate:.0f} s)")


def submit_load(port: int, seconds: float, workdir: Path) -> None:
    args = [str(ROOT / "bench" / "load_submit.py"), "--seconds", str(seconds),
            "--workdir", str(workdir)]
    if port:
        args += ["--port", str(port)]
    _, _, out = child("-u", *args)
    for kind, block in re.findall(r"=== (\w+) ===(.*?)(?====|\Z)", out, re.S):
        found = re.search(r"= ([\d.]+)/s \(baseline ([\d.]+)/s; ratio ([\d.]+)\)", block)
        exact = "EXACT" in block
        if found:
            ratio = float(found[3])
            print(f"citizen submit, {kind}: {found[1]}/s against the one-INSERT baseline "
                  f"{found[2]}/s in the same run: ratio {ratio:.2f}; stored == acknowledged: "
                  f"{exact}  [{load()}]")
            print(f"  goal ratio ≥ 0.35, nothing lost or doubled → {verdict(ratio >= 0.35 and exact)}")


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--responses", type=int, default=200_000,
                    help="engine input: responses × 20 items (500000 = the issue's 10 M)")
    ap.add_argument("--export-db", default=None, help="PostgreSQL URL for the export line")
    ap.add_argument("--export-responses", type=int, default=100_000)
    ap.add_argument("--load", action="store_true", help="run bench/load_submit.py")
    ap.add_argument("--load-seconds", type=float, default=10)
    ap.add_argument("--port", type=int, default=0, help="load: app on PORT, baseline PORT+1")
    ap.add_argument("--workdir", type=Path, default=Path("/tmp/sipas-issue16"))
    ap.add_argument("--dashboard", action="store_true", help="run bench/national_scale.py")
    args = ap.parse_args()
    print(f"issue 16, {time.strftime('%Y-%m-%d %H:%M UTC', time.gmtime())}, "
          f"{os.cpu_count()} cores, {load()}")
    startup()
    engine(args.responses)
    if args.export_db:
        export(args.export_db, args.export_responses)
    else:
        print("responses export: skipped (give --export-db URL)")
    if args.load:
        submit_load(args.port, args.load_seconds, args.workdir)
    else:
        print("citizen submit: skipped (give --load)")
    if args.dashboard:
        _, _, out = child("-u", str(ROOT / "bench" / "national_scale.py"))
        print(out)
    else:
        print("dashboard (closed periods): skipped (give --dashboard; bench/national_scale.py)")


if __name__ == "__main__":
    main()
