"""Fast synthetic seeding shared by the PostgreSQL benchmarks (COPY, response-major).

The benchmarks write responses with ids growing in time and every response's answers
together, as the submission service does one citizen after another: reporting relies
on that physical order (docs/reporting.md).
"""

from __future__ import annotations

import io
import os

import numpy as np
import sqlalchemy as sa

PG = os.environ.get("TEST_POSTGRES_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/test")
CHUNK = 50_000  # responses per COPY of their answers


def schema_url(schema: str) -> str:
    """A URL of TEST_POSTGRES_URL's database whose search_path is `schema` (created)."""
    engine = sa.create_engine(PG)
    with engine.begin() as conn:
        conn.execute(sa.text(f'CREATE SCHEMA IF NOT EXISTS "{schema}"'))
    engine.dispose()
    return sa.engine.make_url(PG).update_query_dict(
        {"options": f"-csearch_path={schema}"}).render_as_string(hide_password=False)


def drop_schema(schema: str) -> None:
    engine = sa.create_engine(PG)
    with engine.begin() as conn:
        conn.execute(sa.text(f'DROP SCHEMA IF EXISTS "{schema}" CASCADE'))
    engine.dispose()


def copy_rows(conn, table: str, columns: str, buf: io.StringIO) -> None:
    """COPY a tab-separated buffer (\\N = NULL) into `table` on a SQLAlchemy connection.

    The COPY joins the connection's transaction (begun here if need be, so that the
    caller's conn.commit() commits it: the driver's own implicit one would be rolled back).
    """
    if not conn.in_transaction():
        conn.begin()
    raw = conn.connection.driver_connection
    buf.seek(0)
    with raw.cursor() as cur, cur.copy(f"COPY {table} ({columns}) FROM STDIN") as copy:
        while chunk := buf.read(1 << 20):
            copy.write(chunk)


def likert_values(rng: np.random.Generator, base: np.ndarray, items) -> np.ndarray:
    """5-point answers of every respondent to every item (0 = không áp dụng).

    A respondent is satisfied (4–5) with probability logistic(base + item noise), so
    `base` carries the unit's, field's and respondent's leaning; items that allow "not
    applicable" get it 15 % of the time.
    """
    n = len(base)
    values = np.empty((n, len(items)), dtype=np.int64)
    for k, item in enumerate(items):
        p = 1 / (1 + np.exp(-(base + rng.normal(0, 0.5, n))))
        values[:, k] = np.where(rng.random(n) < p, rng.integers(4, 6, n), rng.integers(1, 4, n))
        if item.not_applicable:
            values[rng.random(n) < 0.15, k] = 0
    return values


def copy_answers(conn, items, values: np.ndarray, first_id: int = 1,
                 overall: np.ndarray | None = None, progress: bool = True) -> None:
    """Answers of responses first_id, first_id+1, … (row i of `values`), response-major.

    `items` are the instrument's element items in order (item_position = column);
    `overall`, if given, is each respondent's OVERALL answer (1–5, no element).
    """
    n = len(values)
    for lo in range(0, n, CHUNK):
        buf = io.StringIO()
        for i in range(lo, min(lo + CHUNK, n)):
            rid = first_id + i
            for k, item in enumerate(items):
                v = values[i, k]
                if v == 0:
                    buf.write(f"{rid}\t{item.code}\t{item.element}\t{k}\t\\N\t\\N\n")
                else:
                    buf.write(f"{rid}\t{item.code}\t{item.element}\t{k}\t{v}\t"
                              f"{'t' if v >= 4 else 'f'}\n")
            if overall is not None:
                v = overall[i]
                buf.write(f"{rid}\tOVERALL\t\\N\t\\N\t{v}\t{'t' if v >= 4 else 'f'}\n")
        copy_rows(conn, "answers",
                  "response_id, item_code, element_code, item_position, value, satisfied", buf)
        if progress:
            print(f"  answers of responses up to {first_id + min(lo + CHUNK, n) - 1} loaded",
                  flush=True)
