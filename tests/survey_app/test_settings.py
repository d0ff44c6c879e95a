"""Every documented setting can be set from the environment and reaches app.config; the
defaults live in survey_app.config.DEFAULTS only."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from survey_app import config, create_app

ROOT = Path(__file__).resolve().parents[2]
SPECIAL = {"SIPAS_DATABASE_URL", "SIPAS_SECRET_KEY", "SIPAS_DOSSIER_KEY", "SIPAS_CONTACT_KEY",
           "SIPAS_SECURE_COOKIES",
           "SIPAS_ENV", "SIPAS_REMEMBER_DAYS", "SIPAS_ALLOW_SQLITE_IN_PRODUCTION"}
# (read with their own rules in from_environment)
SAMPLES = {int: ("7", 7), float: ("2.5", 2.5)}
TEXTS = {"BABEL_DEFAULT_LOCALE": "en", "RATELIMIT_STORAGE_URI": "redis://127.0.0.1:6379",
         "API_RATE_LIMIT": "5 per minute"}


def make_app(database_url: str):
    """No test settings on top: what the environment says must reach app.config."""
    return create_app({"TESTING": True, "SECRET_KEY": "s", "DOSSIER_KEY": "d",
                       "SQLALCHEMY_DATABASE_URI": database_url})


def _documented(text: str) -> set[str]:
    return set(re.findall(r"^\|\s*`?(SIPAS_[A-Z_]+)`?\s*\|", text, re.MULTILINE))


def test_every_documented_setting_is_read():
    in_config = _documented(config.__doc__)
    in_docs = _documented((ROOT / "docs" / "operations.md").read_text(encoding="utf-8"))
    assert in_config == in_docs
    assert in_config - SPECIAL == set(config.ENVIRONMENT)
    assert {"SIPAS_REPORT_DIR", "SIPAS_REPORTING_WORK_MEM", "SIPAS_REPORTING_RANDOM_PAGE_COST",
            "SIPAS_REPORT_SYNC_MAX_RESPONSES"} <= in_config


@pytest.mark.parametrize("name", sorted(config.ENVIRONMENT))
def test_an_environment_variable_reaches_app_config(name, tmp_path, monkeypatch):
    key, kind = config.ENVIRONMENT[name]
    text, value = SAMPLES.get(kind, (TEXTS.get(key, "/srv/x-set"), None))
    value = text if value is None else value
    assert config.DEFAULTS[key] != value  # the default is in DEFAULTS, and differs
    monkeypatch.setenv(name, text)
    app = make_app(f"sqlite:///{tmp_path / 'x.sqlite3'}")
    assert app.config[key] == value


def test_unset_or_empty_keeps_the_default(tmp_path, monkeypatch):
    monkeypatch.setenv("SIPAS_REPORT_SYNC_MAX_RESPONSES", "")
    monkeypatch.delenv("SIPAS_REPORTING_WORK_MEM", raising=False)
    app = make_app(f"sqlite:///{tmp_path / 'x.sqlite3'}")
    assert app.config["REPORT_SYNC_MAX_RESPONSES"] == config.DEFAULTS["REPORT_SYNC_MAX_RESPONSES"]
    assert app.config["REPORTING_WORK_MEM"] == "128MB"


def test_a_bad_number_names_the_variable(tmp_path, monkeypatch):
    monkeypatch.setenv("SIPAS_REPORT_SYNC_MAX_RESPONSES", "many")
    with pytest.raises(RuntimeError, match="SIPAS_REPORT_SYNC_MAX_RESPONSES"):
        make_app(f"sqlite:///{tmp_path / 'x.sqlite3'}")
