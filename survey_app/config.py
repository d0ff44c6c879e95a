"""Configuration from environment variables (prefix SIPAS_); secrets never in the repo.

| variable                    | meaning                                              | default |
|-----------------------------|------------------------------------------------------|---------|
| SIPAS_DATABASE_URL          | SQLAlchemy URL; postgresql://… is used via psycopg 3 | SQLite file instance/sipas.sqlite3 |
| SIPAS_SECRET_KEY            | signs sessions, CSRF and form tokens                 | random, kept in instance/secret_key |
| SIPAS_DOSSIER_KEY           | key of the dossier-code hash (one response/dossier)  | random, kept in instance/dossier_key |
| SIPAS_RATELIMIT_STORAGE_URI | Flask-Limiter store: memory:// or redis://host:port  | memory:// |
| SIPAS_PUBLIC_BASE_URL       | address printed in QR codes, e.g. https://hailong.example.gov.vn | the request's host |
| SIPAS_RECEIPT_LINK_DAYS     | validity of a receipt (per-dossier) link, in days    | 30 |
| SIPAS_DEFAULT_LOCALE        | vi or en                                             | vi |
| SIPAS_SECURE_COOKIES        | 1 behind HTTPS (Secure cookies, HSTS)                | 0 |
| SIPAS_ENV                   | production refuses to start without the secrets set  | development |
| SIPAS_COMPARISON_MIN_UNITS, SIPAS_COMPARISON_MIN_RESPONDENTS | a unit's comparison card needs this many other units / respondents | 3 / 30 |
| SIPAS_RECEIPT_LINKS_PER_DAY | receipt links one unit's API key may issue per day     | 5000 |
"""

from __future__ import annotations

import os
import secrets
from pathlib import Path


def _flag(name: str, default: bool = False) -> bool:
    value = os.environ.get(name)
    if value is None:
        return default
    return value.strip().lower() in {"1", "true", "yes", "on"}


def normalise_database_url(url: str) -> str:
    """Use the psycopg 3 driver for plain postgres URLs."""
    for prefix in ("postgres://", "postgresql://"):
        if url.startswith(prefix):
            return "postgresql+psycopg://" + url[len(prefix):]
    return url


def _instance_secret(instance_path: str, name: str) -> str:
    """A development secret kept in instance/ (created once, mode 0600).

    Several processes may start at once on a fresh checkout (test workers, gunicorn
    workers): the secret is written to a private file and hard-linked into place, so the
    file appears complete or not at all, and a process that loses the race uses the
    winner's secret instead of failing on an existing file.
    """
    path = Path(instance_path) / name
    if path.exists():
        return path.read_text().strip()
    path.parent.mkdir(parents=True, exist_ok=True)
    draft = path.with_name(f".{name}.{os.getpid()}.{secrets.token_hex(4)}")
    fd = os.open(draft, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "w") as fh:
        fh.write(secrets.token_hex(32))
    try:
        os.link(draft, path)
    except FileExistsError:
        pass  # another process was first: its secret is the one
    finally:
        draft.unlink()
    return path.read_text().strip()


def from_environment(instance_path: str) -> dict:
    production = os.environ.get("SIPAS_ENV", "development") == "production"
    secrets_needed = ("SIPAS_SECRET_KEY", "SIPAS_DOSSIER_KEY")
    missing = [n for n in secrets_needed if not os.environ.get(n)]
    if production and missing:
        raise RuntimeError(f"SIPAS_ENV=production needs {', '.join(missing)} to be set")
    db_url = os.environ.get("SIPAS_DATABASE_URL") or (
        "sqlite:///" + str(Path(instance_path) / "sipas.sqlite3")
    )
    secure = _flag("SIPAS_SECURE_COOKIES", production)
    return {
        "SECRET_KEY": os.environ.get("SIPAS_SECRET_KEY")
        or _instance_secret(instance_path, "secret_key"),
        "DOSSIER_KEY": os.environ.get("SIPAS_DOSSIER_KEY")
        or _instance_secret(instance_path, "dossier_key"),
        "SQLALCHEMY_DATABASE_URI": normalise_database_url(db_url),
        "RATELIMIT_STORAGE_URI": os.environ.get("SIPAS_RATELIMIT_STORAGE_URI", "memory://"),
        "PUBLIC_BASE_URL": os.environ.get("SIPAS_PUBLIC_BASE_URL") or None,
        "RECEIPT_LINK_DAYS": int(os.environ.get("SIPAS_RECEIPT_LINK_DAYS", "30")),
        "BABEL_DEFAULT_LOCALE": os.environ.get("SIPAS_DEFAULT_LOCALE", "vi"),
        "SESSION_COOKIE_SECURE": secure,
        "REMEMBER_COOKIE_SECURE": secure,
        "PREFERRED_URL_SCHEME": "https" if secure else "http",
        **_whole_numbers_from_env(),
    }


# Settings with a default in DEFAULTS that an operator may override (SIPAS_<NAME>).
TUNABLE_NUMBERS = ("COMPARISON_MIN_UNITS", "COMPARISON_MIN_RESPONDENTS", "RECEIPT_LINKS_PER_DAY")


def _whole_numbers_from_env() -> dict:
    out = {}
    for name in TUNABLE_NUMBERS:
        text = os.environ.get("SIPAS_" + name, "").strip()
        if not text:
            continue
        if not text.isascii() or not text.isdigit():
            raise RuntimeError(f"SIPAS_{name} must be a whole number, not {text[:20]!r}")
        out[name] = int(text)
    return out


DEFAULTS = {
    "LANGUAGES": ("vi", "en"),
    "BABEL_TRANSLATION_DIRECTORIES": "translations",
    "SQLALCHEMY_ENGINE_OPTIONS": {"pool_pre_ping": True},
    "SESSION_COOKIE_HTTPONLY": True,
    "SESSION_COOKIE_SAMESITE": "Lax",
    "REMEMBER_COOKIE_HTTPONLY": True,
    "REMEMBER_COOKIE_SAMESITE": "Lax",  # Flask-Login's default is none at all
    "MAX_CONTENT_LENGTH": 8 * 1024 * 1024,  # uploads (imports, instruments); forms are tiny
    "WTF_CSRF_TIME_LIMIT": 4 * 3600,  # a citizen may leave the form open a while
    "RATELIMIT_HEADERS_ENABLED": True,
    # If the shared Redis store is unreachable, each process counts in memory until it is
    # back: citizens can still answer (limits per process), and the error is logged.
    "RATELIMIT_SWALLOW_ERRORS": True,
    "RATELIMIT_IN_MEMORY_FALLBACK_ENABLED": True,
    "JSON_SORT_KEYS": False,
    # Citizen survey (issue 3): rate limits per client address hash and per counter, the
    # life of a one-time form token, and what counts as "implausibly fast" (flagged).
    "SURVEY_RATE_LIMIT_CLIENT": "10 per minute;60 per hour",
    "SURVEY_RATE_LIMIT_COUNTER": "120 per minute",
    "API_RATE_LIMIT": "600 per minute",
    "FORM_TOKEN_HOURS": 12,
    "SURVEY_MIN_SECONDS": 3.0,
    "SURVEY_MIN_SECONDS_PER_ANSWER": 0.5,
    # Staff login: guessing passwords must be slow, from one client and against one account.
    "LOGIN_RATE_LIMIT_CLIENT": "10 per minute;50 per hour",
    "LOGIN_RATE_LIMIT_ACCOUNT": "5 per minute;20 per hour",
    # A unit's comparison card ("toàn địa phương") needs this many other units and their
    # respondents, or it would show one other unit's figures (docs/privacy.md).
    "COMPARISON_MIN_UNITS": 3,
    "COMPARISON_MIN_RESPONDENTS": 30,
    # Receipt links one unit's API key may issue per day (Vietnam time); beyond: 429.
    "RECEIPT_LINKS_PER_DAY": 5000,
}
