"""`flask --app survey_app user-token issue|revoke USERNAME`: a staff user's read-only API
token from a shell (the admin area does the same on the user's page). Shown once."""

from __future__ import annotations

import click
import sqlalchemy as sa
from flask import Flask
from flask.cli import AppGroup

from survey_app.extensions import db
from survey_app.models import User
from survey_app.services.audit import record
from survey_app.services.credentials import issue_user_token

user_token = AppGroup("user-token", help="Issue or revoke a staff user's read-only API token.")


def _user(username: str) -> User:
    user = db.session.scalar(sa.select(User).filter_by(username=username))
    if user is None:
        raise click.ClickException(f"no user {username!r}")
    return user


@user_token.command("issue")
@click.argument("username")
def issue(username: str) -> None:
    """Print a new token for USERNAME (replaces any previous one)."""
    user = _user(username)
    replaced = user.api_token_hash is not None
    token = issue_user_token(user)
    record("user.api_token_issue", "user", user.id, user=None, username=username,
           replaced=replaced, via="cli")
    db.session.commit()
    click.echo(token)
    click.echo("Store this token now: it is not shown again.", err=True)


@user_token.command("revoke")
@click.argument("username")
def revoke(username: str) -> None:
    user = _user(username)
    user.api_token_hash = None
    record("user.api_token_revoke", "user", user.id, user=None, username=username, via="cli")
    db.session.commit()
    click.echo(f"{username}: API token revoked")


def init_app(app: Flask) -> None:
    app.cli.add_command(user_token)
