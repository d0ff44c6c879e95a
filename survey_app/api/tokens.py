"""Per-user read-only API tokens: only the SHA-256 (hex) is stored in User.api_token_hash.

The admin area issues tokens on a user's page; `flask --app survey_app user-token issue
USERNAME` does the same from a shell (shown once; issuing again replaces the old token).
"""

from __future__ import annotations

import hashlib
import secrets

import click
import sqlalchemy as sa
from flask import Flask
from flask.cli import AppGroup

from survey_app.audit import record
from survey_app.extensions import db
from survey_app.models import User


def token_hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def user_for_token(token: str | None) -> User | None:
    """The active user holding `token`, or None (no token, unknown token, disabled user)."""
    if not token or len(token) > 200:
        return None
    user = db.session.scalar(sa.select(User).filter_by(api_token_hash=token_hash(token)))
    return user if user is not None and user.active else None


def issue_token(user: User) -> str:
    token = secrets.token_urlsafe(32)
    user.api_token_hash = token_hash(token)
    return token


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
    token = issue_token(user)
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
