"""The Flask application: `create_app()` builds it; `flask --app survey_app …` runs it."""

from __future__ import annotations

import os

from flask import Flask


def create_app(test_config: dict | None = None) -> Flask:
    app = Flask(__name__, instance_relative_config=True)
    os.makedirs(app.instance_path, exist_ok=True)
    configure(app, test_config)
    register_extensions(app)
    register_web_plumbing(app)
    register_blueprints(app)
    register_cli(app)
    return app


def configure(app: Flask, test_config: dict | None) -> None:
    from survey_app.config import DEFAULTS, from_environment, normalise_database_url

    app.config.from_mapping(DEFAULTS)
    app.config.from_mapping(from_environment(app.instance_path))
    if test_config:
        app.config.from_mapping(test_config)
        uri = app.config["SQLALCHEMY_DATABASE_URI"]
        app.config["SQLALCHEMY_DATABASE_URI"] = normalise_database_url(uri)


def register_extensions(app: Flask) -> None:
    from survey_app.extensions import csrf, db, limiter, login_manager, migrate
    from survey_app.web import database

    database.init_app(app)
    migrate.init_app(app, db, directory=os.path.join(os.path.dirname(__file__), "..", "migrations"))
    csrf.init_app(app)
    limiter.init_app(app)
    login_manager.init_app(app)


def register_web_plumbing(app: Flask) -> None:
    from survey_app.web import errors, headers, inputs, locale

    locale.init_app(app)
    errors.init_app(app)
    locale.register_filters(app)
    headers.init_app(app)
    inputs.init_app(app)


def register_blueprints(app: Flask) -> None:
    """One blueprint per kind of user (or document); none imports another."""
    from survey_app.admin import bp as admin_bp
    from survey_app.api import bp as api_bp
    from survey_app.auth import bp as auth_bp
    from survey_app.exports import bp as exports_bp
    from survey_app.extensions import csrf
    from survey_app.periodic_report import bp as report_bp
    from survey_app.public import bp as public_bp
    from survey_app.staff import bp as staff_bp

    app.register_blueprint(public_bp)
    app.register_blueprint(auth_bp)
    app.register_blueprint(staff_bp)
    app.register_blueprint(admin_bp)
    app.register_blueprint(exports_bp)
    app.register_blueprint(report_bp)
    csrf.exempt(api_bp)  # key-authenticated, no cookies
    app.register_blueprint(api_bp)


def register_cli(app: Flask) -> None:
    from survey_app import cli

    cli.init_app(app)
