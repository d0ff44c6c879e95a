"""The Flask application: `create_app()` builds it; `flask --app survey_app …` runs it."""

from __future__ import annotations

import os

from flask import Flask


def create_app(test_config: dict | None = None) -> Flask:
    app = Flask(__name__, instance_relative_config=True)
    os.makedirs(app.instance_path, exist_ok=True)

    from survey_app.config import DEFAULTS, from_environment, normalise_database_url

    app.config.from_mapping(DEFAULTS)
    app.config.from_mapping(from_environment(app.instance_path))
    if test_config:
        app.config.from_mapping(test_config)
        uri = app.config["SQLALCHEMY_DATABASE_URI"]
        app.config["SQLALCHEMY_DATABASE_URI"] = normalise_database_url(uri)

    from survey_app import database, errors, i18n
    from survey_app.extensions import csrf, db, limiter, login_manager, migrate

    database.init_app(app)
    migrate.init_app(app, db, directory=os.path.join(os.path.dirname(__file__), "..", "migrations"))
    csrf.init_app(app)
    limiter.init_app(app)
    login_manager.init_app(app)
    i18n.init_app(app)
    errors.init_app(app)
    i18n.register_filters(app)
    from survey_app import inputs, security

    security.init_app(app)
    inputs.init_app(app)

    from survey_app import cli
    from survey_app.admin import bp as admin_bp
    from survey_app.api import bp as api_bp
    from survey_app.auth import bp as auth_bp
    from survey_app.exports import bp as exports_bp
    from survey_app.public import bp as public_bp
    from survey_app.report import bp as report_bp
    from survey_app.staff import bp as staff_bp

    app.register_blueprint(public_bp)
    app.register_blueprint(auth_bp)
    app.register_blueprint(staff_bp)
    app.register_blueprint(admin_bp)
    app.register_blueprint(exports_bp)
    app.register_blueprint(report_bp)
    csrf.exempt(api_bp)  # key-authenticated, no cookies
    app.register_blueprint(api_bp)
    cli.init_app(app)
    from survey_app.api import tokens

    tokens.init_app(app)
    return app
