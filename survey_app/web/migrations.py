"""Flask-Migrate bound to the app without importing Alembic at every worker's boot.

`flask_migrate` imports Alembic (and with it Mako, Pygments and SQLAlchemy's other
dialects) at import time: about a tenth of a worker's start-up, for commands a web worker
never runs. `LazyMigrate.init_app` registers what `Migrate.init_app` registers — the
`migrate` entry of `app.extensions` and the `db` command group — as stand-ins that build
the real `flask_migrate.Migrate` on first use (`flask db …`, `flask_migrate.upgrade()`,
migrations/env.py).
"""

from __future__ import annotations

from typing import Any

import click
from flask import Flask


class _MigrateConfig:
    """Stands in for flask_migrate's `_MigrateConfig` until an attribute is read."""

    def __init__(self, app: Flask, make) -> None:
        self._app, self._make = app, make

    def __getattr__(self, name: str) -> Any:
        real = self._app.extensions["migrate"]
        if real is self:
            real = self._make(self._app)
        return getattr(real, name)


class _DbGroup(click.Group):
    """`flask db`: flask_migrate's group, loaded when the command runs or is listed.
    Its context is made by the real group, so its options and callback apply."""

    @staticmethod
    def _real() -> click.Group:
        from flask_migrate.cli import db

        return db

    def make_context(self, info_name, args, parent=None, **extra) -> click.Context:
        return self._real().make_context(info_name, args, parent=parent, **extra)

    def list_commands(self, ctx: click.Context) -> list[str]:
        return self._real().list_commands(ctx)

    def get_command(self, ctx: click.Context, cmd_name: str) -> click.Command | None:
        return self._real().get_command(ctx, cmd_name)


class LazyMigrate:
    def __init__(self, **options: Any) -> None:
        self.options = options

    def init_app(self, app: Flask, db, directory: str) -> None:
        def make(app: Flask):
            from flask_migrate import Migrate

            Migrate(app, db, directory, **self.options)  # replaces the stand-ins
            return app.extensions["migrate"]

        app.extensions["migrate"] = _MigrateConfig(app, make)
        app.cli.add_command(_DbGroup("db", help="Perform database migrations (Alembic)."))
