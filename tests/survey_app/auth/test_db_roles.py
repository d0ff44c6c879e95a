"""PostgreSQL roles (issue 11, item 10a): the app runs as a role that does not own the
tables; `flask db-roles` leaves it INSERT and SELECT on the audit log and nothing more,
so it can neither rewrite the log nor disable or drop the triggers that guard it,
while the app itself works."""

from __future__ import annotations

import uuid

import pytest
import sqlalchemy as sa

from survey_app.extensions import db
from tests.conftest import add_user, create_schema_and_reference_data, make_app
from tests.survey_app.auth.conftest import login, post_form

pytestmark = pytest.mark.postgres


@pytest.fixture
def two_roles(pg_schema_url):
    url = sa.engine.make_url(pg_schema_url)
    schema = url.query["options"].split("=", 1)[1]
    tag = uuid.uuid4().hex[:8]
    owner, runtime = f"sipas_owner_{tag}", f"sipas_app_{tag}"
    admin = sa.create_engine(pg_schema_url)
    with admin.begin() as conn:
        conn.execute(sa.text(f'CREATE ROLE "{owner}" LOGIN'))
        conn.execute(sa.text(f'CREATE ROLE "{runtime}" LOGIN'))
        # As in production: the owner role owns the schema and everything in it.
        conn.execute(sa.text(f'ALTER SCHEMA "{schema}" OWNER TO "{owner}"'))
    as_role = {name: url.set(username=name).render_as_string(hide_password=False)
               for name in (owner, runtime)}
    yield as_role[owner], as_role[runtime], runtime
    with admin.begin() as conn:
        conn.execute(sa.text(f'ALTER SCHEMA "{schema}" OWNER TO CURRENT_USER'))
        for role in (runtime, owner):
            conn.execute(sa.text(f'DROP OWNED BY "{role}" CASCADE'))
            conn.execute(sa.text(f'DROP ROLE "{role}"'))
    admin.dispose()


def test_runtime_role_cannot_rewrite_the_audit_log_but_the_app_works(two_roles):
    owner_url, runtime_url, runtime = two_roles
    owner_app = make_app(owner_url)
    create_schema_and_reference_data(owner_app)  # the owner migrates
    add_user(owner_app, "quantri", "admin")
    printed = owner_app.test_cli_runner().invoke(args=["db-roles", runtime])
    assert printed.exit_code == 0 and "GRANT SELECT, INSERT ON" in printed.output
    applied = owner_app.test_cli_runner().invoke(args=["db-roles", runtime, "--apply"])
    assert applied.exit_code == 0, applied.output

    app = make_app(runtime_url)
    client = app.test_client()
    assert login(client, "quantri").status_code == 302  # reads users, writes the log
    created = post_form(client, "/admin/nguoi-dung/them", "/admin/nguoi-dung/them",
                        username="canbo", role="analyst", unit_id="",
                        password="Chuoi-mat-khau-kho-doan-81", confirm="Chuoi-mat-khau-kho-doan-81")
    assert created.status_code == 302
    assert client.get("/bang-dieu-khien").status_code == 200

    with app.app_context():
        for statement in ("UPDATE audit_log SET username = 'x'",
                          "DELETE FROM audit_log",
                          "TRUNCATE audit_log",
                          "ALTER TABLE audit_log DISABLE TRIGGER USER",
                          "DROP TRIGGER audit_log_no_change ON audit_log",
                          "DROP TABLE audit_log",
                          "UPDATE alembic_version SET version_num = 'x'"):
            with pytest.raises(sa.exc.ProgrammingError,
                               match="permission denied|must be owner|does not exist"), \
                    db.engine.begin() as conn:
                conn.execute(sa.text(statement))
        with db.engine.connect() as conn:
            actions = conn.execute(sa.text("SELECT action FROM audit_log ORDER BY id")
                                   ).scalars().all()
    assert actions == ["login", "user.create"]
    verified = app.test_cli_runner().invoke(args=["audit", "verify"])
    assert verified.exit_code == 0 and "2 rows, chain intact" in verified.output
    for each in (app, owner_app):  # no connection outlives the test (nor blocks DROP ROLE)
        with each.app_context():
            db.engine.dispose()


def test_db_roles_refuses_sqlite_and_odd_role_names(app, pg_app):
    assert "PostgreSQL" in app.test_cli_runner().invoke(args=["db-roles", "x"]).output
    odd = pg_app.test_cli_runner().invoke(args=["db-roles", 'x"; DROP TABLE users; --'])
    assert odd.exit_code != 0 and "letters, digits" in odd.output
