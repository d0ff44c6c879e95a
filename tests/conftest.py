"""Shared fixtures: a fresh database per test on SQLite, and on PostgreSQL when asked.

PostgreSQL: TEST_POSTGRES_URL (default postgresql+psycopg://postgres@127.0.0.1:5432/test).
Each PostgreSQL test gets its own schema, dropped afterwards, so tests may run in
parallel. Without a server the `postgres` tests are skipped with the reason printed;
with SIPAS_REQUIRE_POSTGRES=1 (set by .ci/run) a missing server is a failure instead.
"""

from __future__ import annotations

import contextlib
import os
import shutil
import uuid
from pathlib import Path

import pytest
import sqlalchemy as sa

from survey_app import create_app
from survey_app.extensions import db

PG_URL = os.environ.get(
    "TEST_POSTGRES_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/test"
)
REQUIRE_PG = os.environ.get("SIPAS_REQUIRE_POSTGRES") == "1"
ARTIFACTS = Path(os.environ.get("SIPAS_TEST_ARTIFACTS", "test-artifacts"))

BASE_CONFIG = {
    "TESTING": True,
    "SECRET_KEY": "test-secret-key",
    "DOSSIER_KEY": "test-dossier-key",
    "CONTACT_KEY": "test-contact-key",
    "RATELIMIT_STORAGE_URI": "memory://",
    "PUBLIC_BASE_URL": "http://localhost",
}


def _postgres_problem() -> str | None:
    try:
        engine = sa.create_engine(PG_URL, connect_args={"connect_timeout": 3})
        with engine.connect() as conn:
            conn.execute(sa.text("SELECT 1"))
        engine.dispose()
    except Exception as exc:  # noqa: BLE001 - any failure means "not available"
        return f"{type(exc).__name__}: {str(exc).splitlines()[0]}"
    return None


_PG_PROBLEM: str | None | bool = False  # False = not probed yet


def postgres_or_skip() -> str:
    global _PG_PROBLEM
    if _PG_PROBLEM is False:
        _PG_PROBLEM = _postgres_problem()
    if _PG_PROBLEM:
        message = f"PostgreSQL not reachable at {PG_URL} ({_PG_PROBLEM})"
        if REQUIRE_PG:
            pytest.fail(message + " and SIPAS_REQUIRE_POSTGRES=1", pytrace=False)
        pytest.skip("SKIPPED (no PostgreSQL): " + message)
    return PG_URL


@contextlib.contextmanager
def new_schema():
    """The name of a brand-new empty PostgreSQL schema; dropped afterwards."""
    base = postgres_or_skip()
    schema = f"t_{uuid.uuid4().hex[:12]}"
    admin = sa.create_engine(base)
    with admin.begin() as conn:
        conn.execute(sa.text(f'CREATE SCHEMA "{schema}"'))
    try:
        yield schema
    finally:
        with admin.begin() as conn:
            conn.execute(sa.text(f'DROP SCHEMA "{schema}" CASCADE'))
        admin.dispose()


@contextlib.contextmanager
def new_pg_schema():
    """A PostgreSQL URL whose search_path is a brand-new empty schema; dropped afterwards."""
    with new_schema() as schema:
        yield schema_url(PG_URL, schema)


@pytest.fixture
def pg_schema_url():
    """A PostgreSQL URL whose search_path is a brand-new empty schema; dropped afterwards."""
    with new_pg_schema() as url:
        yield url


def make_app(database_url: str, **extra):
    app = create_app({**BASE_CONFIG, "SQLALCHEMY_DATABASE_URI": database_url, **extra})
    return app


def create_schema_and_reference_data(app) -> None:
    from survey_app.seed.reference import sync_reference_data

    with app.app_context():
        db.create_all()
        sync_reference_data()


def _schema_into(path: Path) -> None:
    app = make_app(f"sqlite:///{path}")
    create_schema_and_reference_data(app)
    with app.app_context():
        db.engine.dispose()


@pytest.fixture(scope="session")
def sqlite_template(tmp_path_factory) -> Path:
    """Schema and reference data, built once per session: a copy costs far less than
    create_all and the reference sync in every test."""
    return built_once(tmp_path_factory, "reference.sqlite3", _schema_into)


def fresh_sqlite_url(sqlite_template: Path, directory: Path, name: str = "test.sqlite3") -> str:
    """A private copy of the template database: the schema and the reference data."""
    path = directory / name
    shutil.copy(sqlite_template, path)
    return f"sqlite:///{path}"


@pytest.fixture
def app(sqlite_template, tmp_path):
    """A fresh SQLite database with the schema and the reference data."""
    app = make_app(fresh_sqlite_url(sqlite_template, tmp_path))
    yield app
    with app.app_context():
        db.engine.dispose()


class PgTemplate:
    """The schema and the reference data built once (per xdist worker) in a template
    schema, and copied into a new schema per test.

    `create_all` asks the catalog about every table and sends each statement on its own;
    the reference sync loads the instruments and writes row by row. The copy sends one
    script: the DDL `create_all` sent to the template (recorded as it ran, so it is the
    same statements), `INSERT ... SELECT` of every table that has rows, and the
    sequences set to where the template's are. tests/test_conftest.py checks that a copy
    equals a schema built by `create_all` and the reference sync."""

    def __init__(self, build) -> None:
        self.schema = f"tmpl_{uuid.uuid4().hex[:12]}"
        self._admin = sa.create_engine(postgres_or_skip())
        with self._admin.begin() as conn:
            conn.execute(sa.text(f'CREATE SCHEMA "{self.schema}"'))
        app = make_app(schema_url(PG_URL, self.schema))
        ddl: list[str] = []

        def record(_conn, _cursor, statement, _parameters, context, _executemany):
            if context.isddl:
                ddl.append(statement)

        with app.app_context():
            sa.event.listen(db.engine, "before_cursor_execute", record)
            db.create_all()
            sa.event.remove(db.engine, "before_cursor_execute", record)
            build()
            db.session.commit()
            self.script = ";\n".join([*ddl, *self._data()]) + ";"
            db.session.remove()
            db.engine.dispose()

    def _data(self) -> list[str]:
        """INSERT ... SELECT of each table with rows, then the sequences' positions."""
        statements = []
        for table in db.metadata.sorted_tables:
            if db.session.scalar(sa.select(sa.func.count()).select_from(table)):
                statements.append(f'INSERT INTO "{table.name}" SELECT * FROM '
                                  f'"{self.schema}"."{table.name}"')
        sequences = db.session.execute(sa.text(
            "SELECT sequencename, last_value FROM pg_sequences "
            "WHERE schemaname = :s AND last_value IS NOT NULL"), {"s": self.schema})
        statements += [f"SELECT setval('\"{name}\"', {value})" for name, value in sequences]
        return statements

    def copy_into(self, schema: str) -> None:
        with self._admin.begin() as conn:
            conn.exec_driver_sql(f'SET LOCAL search_path TO "{schema}"')
            conn.exec_driver_sql(self.script)

    def drop(self) -> None:
        with self._admin.begin() as conn:
            conn.execute(sa.text(f'DROP SCHEMA "{self.schema}" CASCADE'))
        self._admin.dispose()


def schema_url(base: str, schema: str) -> str:
    url = sa.engine.make_url(base).update_query_dict({"options": f"-csearch_path={schema}"})
    return url.render_as_string(hide_password=False)


@pytest.fixture(scope="session")
def pg_template():
    """The reference schema on PostgreSQL, built once per worker (see PgTemplate)."""
    from survey_app.seed.reference import sync_reference_data

    template = PgTemplate(sync_reference_data)
    yield template
    template.drop()


@pytest.fixture
def pg_app(pg_template):
    """A new PostgreSQL schema with the tables and the reference data (a template copy)."""
    with new_schema() as schema:
        pg_template.copy_into(schema)
        app = make_app(schema_url(PG_URL, schema))
        yield app
        with app.app_context():
            db.session.remove()
            db.engine.dispose()


# The PostgreSQL half is also `slow`: `dev.py test --fast` (the inner loop) runs these
# tests on SQLite only; CI runs both.
@pytest.fixture(params=["sqlite", pytest.param("postgresql",
                                               marks=[pytest.mark.postgres, pytest.mark.slow])])
def any_app(request):
    """The same test on SQLite and on PostgreSQL."""
    if request.param == "sqlite":
        yield request.getfixturevalue("app")
    else:
        yield request.getfixturevalue("pg_app")


def session_shared_dir(tmp_path_factory) -> Path:
    """A directory shared by every xdist worker of this test session (and by no other
    session): the workers' base temp directories are siblings in it."""
    base = tmp_path_factory.getbasetemp()
    return base.parent if os.environ.get("PYTEST_XDIST_WORKER") else base


def built_once(tmp_path_factory, name: str, build) -> Path:
    """`build(path)` run by one worker of the session; the others wait and share the file.

    The file is built under another name and renamed, so a worker never sees half of it."""
    from filelock import FileLock

    path = session_shared_dir(tmp_path_factory) / name
    with FileLock(f"{path}.lock"):
        if not path.exists():
            partial = path.with_name(f"{name}.{os.getpid()}.partial")
            build(partial)
            os.replace(partial, path)
    return path


def _seed_demo_into(path: Path) -> None:
    from datetime import date

    from survey_app.seed.demo import seed_demo

    app = make_app(f"sqlite:///{path}")
    create_schema_and_reference_data(app)
    with app.app_context():
        seed_demo(today=date(2026, 11, 21))
        _cheap_demo_passwords()
        db.engine.dispose()


def _cheap_demo_passwords() -> None:
    """The demo users' passwords re-hashed at the tests' cheap factor (as the factory's
    users are): the seed hashes at the full factor, 0.12 s of CPU per login, and hundreds
    of tests log in to the demo. The app checks whatever factor a stored hash names, so
    logins behave the same; `tests/survey_app/seed` checks the seed itself."""
    from werkzeug.security import generate_password_hash

    from survey_app.models import User
    from survey_app.seed.demo import DEMO_USERS
    from tests.factories import TEST_PASSWORD_HASH

    for username, password, *_rest in DEMO_USERS:
        db.session.execute(sa.update(User).where(User.username == username).values(
            password_hash=generate_password_hash(password, TEST_PASSWORD_HASH)))
    db.session.commit()


@pytest.fixture(scope="session")
def demo_db_template(tmp_path_factory) -> Path:
    """The demo district seeded once per test session (not once per xdist worker) into a
    template SQLite file; tests get private copies (`demo_app`)."""
    return built_once(tmp_path_factory, "demo.sqlite3", _seed_demo_into)


@pytest.fixture
def demo_app(demo_db_template, tmp_path):
    """A private copy of the seeded demo district."""
    path = tmp_path / "demo.sqlite3"
    shutil.copy(demo_db_template, path)
    app = make_app(f"sqlite:///{path}")
    yield app
    with app.app_context():
        db.engine.dispose()


@pytest.fixture(autouse=True)
def _empty_report_caches():
    """The dashboard and public-results caches live in the process and are keyed by user
    and query, not by database: a worker's earlier test (another database, the same
    user id and period) must not serve its numbers to the next test."""
    from survey_app.public import results
    from survey_app.reporting import dashboard

    dashboard._CACHE.clear()
    results._CACHE.clear()


@pytest.fixture
def client(app):
    return app.test_client()


@pytest.fixture
def runner(app):
    return app.test_cli_runner()


@pytest.fixture(scope="session")
def artifacts_dir() -> Path:
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    return ARTIFACTS


# --- staff users -------------------------------------------------------------------

def csrf_from(page_text: str) -> str:
    import re

    match = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', page_text) or \
        re.search(r'name="csrf_token" value="([^"]+)"', page_text)
    assert match, "no CSRF token on the page"
    return match.group(1)


class StaffAuth:
    """Logs in through the real login form (CSRF and all), like a person would."""

    def __init__(self, client):
        self.client = client

    def login(self, username: str, password: str, next_url: str = "", follow: bool = False):
        page = self.client.get("/dang-nhap" + (f"?next={next_url}" if next_url else ""))
        data = {"csrf_token": csrf_from(page.text), "username": username, "password": password,
                "next": next_url}
        return self.client.post("/dang-nhap", data=data, follow_redirects=follow)

    def logout(self):
        page = self.client.get("/bang-dieu-khien")
        return self.client.post("/dang-nhap/thoat", data={"csrf_token": csrf_from(page.text)})


def add_user(app, username: str, role: str, unit_code: str | None = None,
             password: str = "mat-khau-rat-dai") -> None:
    from tests.factories import make_user

    with app.app_context():
        make_user(username, role, unit=unit_code, password=password)
        db.session.commit()


@pytest.fixture
def auth(client):
    return StaffAuth(client)


# --- scheduling -----------------------------------------------------------------------

# `dev.py test` hands whole files to the two xdist workers (`--dist loadfile`) in the
# order they were collected. A heavy file handed out last keeps one worker busy while
# the other idles (the full run used 145% of two cores), so the heaviest files go first
# and the many short ones fill in behind them.
HEAVY_FIRST = (
    "tests/browser/test_staff_pages.py",
    "tests/scale/",
    "tests/survey_app/test_one_number_postgresql.py",
    "tests/browser/",
    "tests/survey_app/outbox/test_end_to_end.py",
    "tests/survey_app/test_one_number.py",
    "tests/survey_app/admin/test_upload_bombs.py",
    "tests/survey_app/exports/test_access.py",
    "tests/hostile/",
)


def pytest_collection_modifyitems(items) -> None:
    def rank(item) -> int:
        path = item.nodeid.split("::", 1)[0]
        return next((i for i, prefix in enumerate(HEAVY_FIRST) if path.startswith(prefix)),
                    len(HEAVY_FIRST))

    items.sort(key=rank)  # stable: the order within a rank is kept
