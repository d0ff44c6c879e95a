"""Flask CLI commands: `flask --app survey_app <command>`."""

from __future__ import annotations

import getpass
import sys

import click
from flask import Flask, current_app
from flask.cli import with_appcontext
from werkzeug.security import generate_password_hash

from survey_app.extensions import db
from survey_app.models import ROLES, Response, Unit, User


def init_app(app: Flask) -> None:
    app.cli.add_command(init_data)
    app.cli.add_command(seed_demo_command)
    app.cli.add_command(create_user)
    from survey_app.cli import audit, db_roles, outbox, survey, users

    outbox.init_app(app)
    survey.init_app(app)
    users.init_app(app)
    audit.init_app(app)
    db_roles.init_app(app)


@click.command("init-data")
@with_appcontext
def init_data() -> None:
    """Load the shipped instruments, the default fields and the plan targets (idempotent)."""
    from survey_app.seed.reference import ReferenceDataError, sync_reference_data

    try:
        counts = sync_reference_data()
    except ReferenceDataError as exc:
        raise click.ClickException(str(exc)) from None
    click.echo("added: " + ", ".join(f"{v} {k}" for k, v in counts.items()))


@click.command("seed-demo")
@with_appcontext
@click.option("--base-url", default="http://127.0.0.1:5000", show_default=True,
              help="Address printed in the demo counter link.")
def seed_demo_command(base_url: str) -> None:
    """Build the demo province (fictional, after the 2025 reform) with a few thousand responses
    (idempotent)."""
    from survey_app.seed.demo import demo_summary, seed_demo

    if current_app.config.get("PRODUCTION"):
        # The demo creates admin/demo-admin with a published password and invented data.
        raise click.ClickException("seed-demo is refused with SIPAS_ENV=production: it creates "
                                   "accounts with published passwords (admin/demo-admin). "
                                   "Create the first admin with create-user instead.")

    counts = seed_demo()
    total = db.session.scalar(db.select(db.func.count(Response.id)))
    click.echo(f"demo data: {counts['responses_added']} responses added, {total} in all")
    click.echo(demo_summary(current_app.config.get("PUBLIC_BASE_URL") or base_url))


@click.command("create-user")
@with_appcontext
@click.argument("username")
@click.option("--role", type=click.Choice(ROLES), required=True)
@click.option("--unit", "unit_code", help="Unit code (required for role 'unit').")
@click.option("--full-name", default=None)
@click.option("--password-stdin", is_flag=True, help="Read the password from standard input.")
def create_user(username: str, role: str, unit_code: str | None, full_name: str | None,
                password_stdin: bool) -> None:
    """Create a user (e.g. the first admin)."""
    if db.session.scalar(db.select(User).filter_by(username=username)):
        raise click.ClickException(f"user {username!r} already exists")
    unit = None
    if role == "unit" or unit_code:
        if not unit_code:
            raise click.ClickException("role 'unit' needs --unit CODE")
        unit = db.session.scalar(db.select(Unit).filter_by(code=unit_code))
        if unit is None:
            raise click.ClickException(f"no unit with code {unit_code!r}")
    if password_stdin:
        password = sys.stdin.readline().rstrip("\n")
    else:
        password = getpass.getpass("Password: ")
        if password != getpass.getpass("Repeat: "):
            raise click.ClickException("passwords differ")
    from survey_app.services.passwords import password_problem

    with current_app.test_request_context("/"):  # the message in the default language
        problem = password_problem(password, (username, full_name))
    if problem:
        raise click.ClickException(problem)
    db.session.add(User(username=username, role=role, unit=unit, full_name=full_name,
                        password_hash=generate_password_hash(password)))
    db.session.commit()
    click.echo(f"created {role} {username}")
