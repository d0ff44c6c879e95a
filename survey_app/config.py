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
| SIPAS_REMEMBER_DAYS         | life of the "remember me" login cookie, in days       | 14 |
| SIPAS_ENV                   | production refuses to start without the secrets set  | development |
| SIPAS_PROXY_COUNT           | reverse proxies whose X-Forwarded-For/-Proto to trust | 0 (trust none) |
| SIPAS_REPORT_DIR            | folder of the PDF reports built in the background; shared by every host | instance/reports |
| SIPAS_REPORT_SYNC_MAX_RESPONSES | a report on more valid responses is built in the background | 20000 |
| SIPAS_REPORTING_WORK_MEM    | PostgreSQL work_mem of report queries                | 128MB |
| SIPAS_REPORTING_RANDOM_PAGE_COST | PostgreSQL random_page_cost of report queries   | 1.1 |
| SIPAS_API_RATE_LIMIT        | requests per API token                               | 600 per minute |

Every default is in DEFAULTS below and nowhere else; ENVIRONMENT says which variable sets
which key (the variables with a special rule, the first rows, are read in
from_environment). The code reads app.config["KEY"], never a default of its own.
"""

from __future__ import annotations

import os
import secrets
from datetime import timedelta
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


#: environment variable → (app.config key, how to read its text)
ENVIRONMENT: dict[str, tuple[str, type]] = {
    "SIPAS_RATELIMIT_STORAGE_URI": ("RATELIMIT_STORAGE_URI", str),
    "SIPAS_PUBLIC_BASE_URL": ("PUBLIC_BASE_URL", str),
    "SIPAS_RECEIPT_LINK_DAYS": ("RECEIPT_LINK_DAYS", int),
    "SIPAS_DEFAULT_LOCALE": ("BABEL_DEFAULT_LOCALE", str),
    "SIPAS_PROXY_COUNT": ("PROXY_COUNT", int),
    "SIPAS_REPORT_DIR": ("REPORT_DIR", str),
    "SIPAS_REPORT_SYNC_MAX_RESPONSES": ("REPORT_SYNC_MAX_RESPONSES", int),
    "SIPAS_REPORTING_WORK_MEM": ("REPORTING_WORK_MEM", str),
    "SIPAS_REPORTING_RANDOM_PAGE_COST": ("REPORTING_RANDOM_PAGE_COST", float),
    "SIPAS_API_RATE_LIMIT": ("API_RATE_LIMIT", str),
}


def _plain_settings() -> dict:
    """The ENVIRONMENT variables that are set (an empty one counts as unset)."""
    out = {}
    for name, (key, kind) in ENVIRONMENT.items():
        text = os.environ.get(name, "").strip()
        if not text:
            continue
        try:
            out[key] = kind(text)
        except ValueError:
            raise RuntimeError(f"{name}={text[:40]!r} is not a valid {kind.__name__}") from None
    return out


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
        **_plain_settings(),
        "SECRET_KEY": os.environ.get("SIPAS_SECRET_KEY")
        or _instance_secret(instance_path, "secret_key"),
        "DOSSIER_KEY": os.environ.get("SIPAS_DOSSIER_KEY")
        or _instance_secret(instance_path, "dossier_key"),
        "SQLALCHEMY_DATABASE_URI": normalise_database_url(db_url),
        "SESSION_COOKIE_SECURE": secure,
        "REMEMBER_COOKIE_SECURE": secure,
        "REMEMBER_COOKIE_DURATION": timedelta(days=int(os.environ.get("SIPAS_REMEMBER_DAYS",
                                                                      "14"))),
        "PREFERRED_URL_SCHEME": "https" if secure else "http",
    }


DEFAULTS = {
    "LANGUAGES": ("vi", "en"),
    "BABEL_DEFAULT_LOCALE": "vi",
    "RATELIMIT_STORAGE_URI": "memory://",
    "PUBLIC_BASE_URL": None,  # None: the request's host
    "RECEIPT_LINK_DAYS": 30,
    "PROXY_COUNT": 0,
    # Periodic reports: built in the request up to this many valid responses, else in the
    # background into REPORT_DIR (None: instance/reports).
    "REPORT_SYNC_MAX_RESPONSES": 20_000,
    "REPORT_DIR": None,
    # PostgreSQL settings of report queries (survey_app.reporting.indices.tune_report_queries).
    "REPORTING_WORK_MEM": "128MB",
    "REPORTING_RANDOM_PAGE_COST": 1.1,
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
    # Staff login: failed logins only (auth/throttle.py), per (username, client), per
    # client, and a slower backoff per username that a client with no failures passes.
    "LOGIN_RATE_LIMIT_CLIENT": "10 per minute;50 per hour",
    "LOGIN_RATE_LIMIT_ACCOUNT": "5 per minute;20 per hour",
    "LOGIN_RATE_LIMIT_ACCOUNT_GLOBAL": "30 per hour;100 per day",
}
