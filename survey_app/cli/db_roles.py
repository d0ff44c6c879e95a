"""`flask --app survey_app db-roles RUNTIME_ROLE [--apply]`: PostgreSQL privileges for the
role the web app runs as, separate from the role that owns the tables and migrates.

The owner (who runs `flask db upgrade` and this command) keeps DDL; the runtime role
may read and write the data tables but only INSERT and SELECT the audit log, and, not
being the owner, cannot ALTER the table, disable or drop its triggers (docs/operations.md,
"Database roles"). Idempotent: run it again after every migration.
"""

from __future__ import annotations

import re

import click
import sqlalchemy as sa
from flask import Flask
from flask.cli import with_appcontext

from survey_app.extensions import db

_ROLE = re.compile(r"^[a-z_][a-z0-9_]{0,62}$")


def grant_statements(runtime_role: str, schema: str) -> list[str]:
    if not _ROLE.match(runtime_role) or not _ROLE.match(schema):
        raise ValueError("role and schema names: lower-case letters, digits and _ only")
    r, s = f'"{runtime_role}"', f'"{schema}"'
    return [
        f"REVOKE CREATE ON SCHEMA {s} FROM PUBLIC",
        f"GRANT USAGE ON SCHEMA {s} TO {r}",
        f"REVOKE ALL ON ALL TABLES IN SCHEMA {s} FROM {r}",
        f"GRANT SELECT, INSERT, UPDATE, DELETE ON ALL TABLES IN SCHEMA {s} TO {r}",
        f"GRANT USAGE, SELECT ON ALL SEQUENCES IN SCHEMA {s} TO {r}",
        # The audit log: append and read, nothing else (no UPDATE, DELETE, TRUNCATE).
        f"REVOKE ALL ON {s}.audit_log FROM {r}",
        f"GRANT SELECT, INSERT ON {s}.audit_log TO {r}",
        # Only migrations move the schema version.
        f"REVOKE ALL ON {s}.alembic_version FROM {r}",
        f"GRANT SELECT ON {s}.alembic_version TO {r}",
    ]


@click.command("db-roles")
@with_appcontext
@click.argument("runtime_role")
@click.option("--apply", is_flag=True,
              help="Run the statements (connected as the owner) instead of printing them.")
def db_roles(runtime_role: str, apply: bool) -> None:
    """Print (or --apply) the grants for RUNTIME_ROLE on PostgreSQL."""
    if db.engine.dialect.name != "postgresql":
        raise click.ClickException("db-roles is for PostgreSQL; SQLite has no roles")
    with db.engine.connect() as conn:
        schema = conn.execute(sa.text("SELECT current_schema()")).scalar()
        has_alembic = conn.execute(sa.text(
            "SELECT to_regclass('alembic_version') IS NOT NULL")).scalar()
    try:
        statements = grant_statements(runtime_role, schema)
    except ValueError as exc:
        raise click.ClickException(str(exc)) from None
    if not has_alembic:  # a schema made by create_all (tests) has no version table
        statements = [s for s in statements if "alembic_version" not in s]
    if not apply:
        click.echo(";\n".join(statements) + ";")
        return
    with db.engine.begin() as conn:
        for statement in statements:
            conn.execute(sa.text(statement))
    click.echo(f"granted {runtime_role} its runtime privileges on schema {schema}")


def init_app(app: Flask) -> None:
    app.cli.add_command(db_roles)
