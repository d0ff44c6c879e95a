"""Production pitfalls are refused (or warned about) when the app starts (issue 11, 3 and 13).

Each test sets a complete, good production environment and spoils one thing.
"""

from __future__ import annotations

import logging
import secrets

import pytest

from survey_app.config import ConfigError, from_environment, secret_problem

GOOD = {
    "SIPAS_ENV": "production",
    "SIPAS_SECRET_KEY": secrets.token_urlsafe(48),
    "SIPAS_DOSSIER_KEY": secrets.token_urlsafe(48),
    "SIPAS_CONTACT_KEY": secrets.token_urlsafe(48),
    "SIPAS_PUBLIC_BASE_URL": "https://hailong.example.gov.vn",
    "SIPAS_DATABASE_URL": "postgresql://sipas@db/sipas",
    "SIPAS_RATELIMIT_STORAGE_URI": "redis://127.0.0.1:6379",
}
SPOILERS = ("SIPAS_ALLOW_SQLITE_IN_PRODUCTION", "SIPAS_PROXY_COUNT", "WEB_CONCURRENCY",
            "SIPAS_WORKERS", "SIPAS_RECEIPT_LINK_DAYS")


@pytest.fixture
def production(monkeypatch, tmp_path):
    for name in SPOILERS:
        monkeypatch.delenv(name, raising=False)
    for name, value in GOOD.items():
        monkeypatch.setenv(name, value)

    def start() -> dict:
        return from_environment(str(tmp_path / "instance"))
    return start


def test_a_good_production_environment_starts(production):
    config = production()
    assert config["PRODUCTION"] is True and config["PUBLIC_BASE_URL"].startswith("https://")


@pytest.mark.parametrize("name", ["SIPAS_SECRET_KEY", "SIPAS_DOSSIER_KEY", "SIPAS_CONTACT_KEY"])
@pytest.mark.parametrize("weak", ["a", "changeme", "0" * 64, "passwordpasswordpasswordpassword",
                                  "abcabcabcabcabcabcabcabcabcabcabcabc"])
def test_weak_secrets_are_refused_with_the_variable_and_a_command(production, monkeypatch,
                                                                  name, weak):
    monkeypatch.setenv(name, weak)
    with pytest.raises(ConfigError) as refused:
        production()
    message = str(refused.value)
    assert name in message and "secrets.token_urlsafe(48)" in message


def test_what_counts_as_a_good_secret():
    assert secret_problem(secrets.token_urlsafe(48)) is None
    assert secret_problem(secrets.token_hex(32)) is None
    assert secret_problem(None) == "is not set"
    assert "too short" in secret_problem("a")
    assert "predictable" in secret_problem("ab" * 20)


def test_weak_secrets_are_accepted_in_development(production, monkeypatch):
    monkeypatch.setenv("SIPAS_ENV", "development")
    monkeypatch.setenv("SIPAS_SECRET_KEY", "a")
    assert production()["SECRET_KEY"] == "a"


def test_production_without_public_base_url_is_refused(production, monkeypatch):
    monkeypatch.delenv("SIPAS_PUBLIC_BASE_URL")
    with pytest.raises(ConfigError, match="SIPAS_PUBLIC_BASE_URL"):
        production()


@pytest.mark.parametrize("url", [None, "sqlite:////srv/sipas.sqlite3"])
def test_sqlite_in_production_is_refused_unless_allowed(production, monkeypatch, caplog, url):
    if url is None:
        monkeypatch.delenv("SIPAS_DATABASE_URL")
    else:
        monkeypatch.setenv("SIPAS_DATABASE_URL", url)
    with pytest.raises(ConfigError, match="SIPAS_ALLOW_SQLITE_IN_PRODUCTION"):
        production()
    monkeypatch.setenv("SIPAS_ALLOW_SQLITE_IN_PRODUCTION", "1")
    with caplog.at_level(logging.WARNING, logger="survey_app"):
        config = production()
    assert config["SQLALCHEMY_DATABASE_URI"].startswith("sqlite:")
    assert any("SQLite" in r.getMessage() for r in caplog.records)


@pytest.mark.parametrize("env", [{}, {"SIPAS_ENV": "development"}])
@pytest.mark.parametrize("value", ["one", "1.5", "-1", "²"])
def test_a_non_integer_proxy_count_names_the_variable(production, monkeypatch, env, value):
    for name, setting in env.items():
        monkeypatch.setenv(name, setting)
    monkeypatch.setenv("SIPAS_PROXY_COUNT", value)
    with pytest.raises(ConfigError, match="SIPAS_PROXY_COUNT must be a whole number"):
        production()


def test_proxy_count_is_read_from_the_environment(production, monkeypatch):
    monkeypatch.setenv("SIPAS_PROXY_COUNT", " 2 ")
    assert production()["PROXY_COUNT"] == 2


def test_memory_rate_limits_in_production_are_warned_about(production, monkeypatch, caplog):
    monkeypatch.setenv("SIPAS_RATELIMIT_STORAGE_URI", "memory://")
    monkeypatch.setenv("WEB_CONCURRENCY", "3")
    with caplog.at_level(logging.WARNING, logger="survey_app"):
        production()
    warned = [r.getMessage() for r in caplog.records if "memory://" in r.getMessage()]
    assert warned and "3 workers" in warned[0]


def test_shared_rate_limits_give_no_warning(production, caplog):
    with caplog.at_level(logging.WARNING, logger="survey_app"):
        production()
    assert not [r for r in caplog.records if r.levelno >= logging.WARNING]


def test_seed_demo_is_refused_in_production(tmp_path):
    from survey_app.extensions import db
    from survey_app.models import User
    from tests.conftest import create_schema_and_reference_data, make_app

    app = make_app(f"sqlite:///{tmp_path / 'p.sqlite3'}", PRODUCTION=True)
    create_schema_and_reference_data(app)
    result = app.test_cli_runner().invoke(args=["seed-demo"])
    assert result.exit_code != 0 and "SIPAS_ENV=production" in result.output
    with app.app_context():
        assert db.session.scalar(db.select(db.func.count(User.id))) == 0
        db.engine.dispose()
