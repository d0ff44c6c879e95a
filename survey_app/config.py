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
| SIPAS_ENV                   | production: refuses weak or missing secrets, no public address, SQLite (see below) | development |
| SIPAS_ALLOW_SQLITE_IN_PRODUCTION | 1 accepts SQLite in production (with a warning)  | 0 |
| SIPAS_PROXY_COUNT           | reverse proxies whose X-Forwarded-For/-Proto to trust | 0 (trust none) |
| SIPAS_REPORT_DIR            | folder of the PDF reports built in the background; shared by every host | instance/reports |
| SIPAS_REPORT_SYNC_MAX_RESPONSES | a report on more valid responses is built in the background | 20000 |
| SIPAS_REPORTING_WORK_MEM    | PostgreSQL work_mem of report queries                | 128MB |
| SIPAS_REPORTING_RANDOM_PAGE_COST | PostgreSQL random_page_cost of report queries   | 1.1 |
| SIPAS_COMPARISON_MIN_UNITS  | a unit's comparison card needs this many other units  | 3 |
| SIPAS_COMPARISON_MIN_RESPONDENTS | ... and this many of their respondents           | 30 |
| SIPAS_RECEIPT_LINKS_PER_DAY | receipt links one unit's API key may issue per day     | 5000 |
| SIPAS_REPORT_BUILD_LIMIT    | periodic-report builds one user may start (a cached report is free) | 4 per minute;30 per hour |
| SIPAS_REPORT_BUILD_SLOTS    | report builds running at once per host               | 1 |
| SIPAS_API_RATE_LIMIT        | requests per API token                               | 600 per minute |
| SIPAS_CONTACT_KEY           | encrypts the citizen's contact until the invitation is sent (Fernet key derived from it) | random, kept in instance/contact_key |
| SIPAS_INVITATION_DELAY_SECONDS | an invitation (arm `later`) is sent this long after the dossier was returned | 7200 |
| SIPAS_INVITATION_EXPIRE_HOURS | an invitation not sent this long after it was due expires (its contact is deleted) | 48 |
| SIPAS_INVITATION_PHONE_CHANNEL | how a phone number is invited: sms or zalo   | sms |
| SIPAS_OUTBOX_MAX_ATTEMPTS   | sending attempts before an invitation fails for good | 6 |
| SIPAS_OUTBOX_RETRY_SECONDS  | first retry delay; doubles at each failure (capped at 6 h) | 60 |
| SIPAS_OUTBOX_POLL_SECONDS   | `flask outbox run` looks for due invitations this often | 30 |
| SIPAS_OUTBOX_HTTP_TIMEOUT   | seconds to wait for the SMTP server or a gateway      | 10 |
| SIPAS_SMTP_HOST             | SMTP server of the e-mail invitations                | unset (e-mail invitations fail) |
| SIPAS_SMTP_PORT             | its port                                             | 587 |
| SIPAS_SMTP_SECURITY         | starttls, ssl or none (none only on a trusted local relay) | starttls |
| SIPAS_SMTP_USERNAME         | SMTP login (with SIPAS_SMTP_PASSWORD)                | unset: no login |
| SIPAS_SMTP_PASSWORD         | SMTP password                                        | unset |
| SIPAS_MAIL_FROM             | sender address of the e-mail invitations             | unset (e-mail invitations fail) |
| SIPAS_SMS_GATEWAY_URL       | URL of the SMS gateway (generic JSON, docs/operations.md) | unset (SMS invitations fail) |
| SIPAS_SMS_GATEWAY_KEY       | bearer key for the SMS gateway                       | unset |
| SIPAS_ZALO_ZNS_URL          | Zalo ZNS "send template message" endpoint             | https://business.openapi.zalo.me/message/template |
| SIPAS_ZALO_ACCESS_TOKEN     | Zalo Official Account access token                   | unset (Zalo invitations fail) |
| SIPAS_ZALO_TEMPLATE_ID      | the approved ZNS template of the invitation          | unset |
| SIPAS_DELIVERY_REPORT_KEY   | bearer key of gateways posting delivery reports       | unset: /api/v1/delivery-reports answers 404 |

Every default is in DEFAULTS below and nowhere else; ENVIRONMENT says which variable sets
which key (the variables with a special rule, the first rows, are read in
from_environment). The code reads app.config["KEY"], never a default of its own.

In production (SIPAS_ENV=production) the app refuses to start, with one line naming the
variable, when a secret is missing or weak, when SIPAS_PUBLIC_BASE_URL is unset (links
would take their host from the request's Host header, which a client chooses), or when
the database is SQLite and SIPAS_ALLOW_SQLITE_IN_PRODUCTION is not 1. It warns when the
rate-limit store is memory:// (each worker counts on its own).
"""

from __future__ import annotations

import logging
import math
import os
import secrets
from collections import Counter
from datetime import timedelta
from pathlib import Path

log = logging.getLogger("survey_app")

MIN_SECRET_CHARS = 32
MIN_SECRET_DISTINCT = 12
MIN_SECRET_BITS = 100  # Shannon estimate over the characters; token_urlsafe(48) gives ~330
SECRET_COMMAND = 'python3 -c "import secrets; print(secrets.token_urlsafe(48))"'


class ConfigError(RuntimeError):
    """The environment describes a deployment that must not start; str() says which
    variable and what to do."""


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


def private_dir(path: str | Path) -> Path:
    """A folder only this account can enter (0700): instance/ holds the secrets and the
    SQLite file. A folder made by an older version (0755) is tightened when it is ours."""
    path = Path(path)
    path.mkdir(mode=0o700, parents=True, exist_ok=True)
    _tighten(path, 0o700)
    return path


def _tighten(path: Path, mode: int) -> None:
    info = path.stat()
    if info.st_uid == os.getuid() and info.st_mode & 0o777 & ~mode:
        os.chmod(path, mode)


def _private_sqlite_file(path: Path) -> None:
    """Create our default SQLite file as 0600 before SQLite does (it would use 0644 under
    the usual umask); its -wal and -journal files take the same mode from it."""
    try:
        os.close(os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600))
    except FileExistsError:
        _tighten(path, 0o600)


def _instance_secret(instance_path: str, name: str) -> str:
    """A development secret kept in instance/ (created once, mode 0600).

    Several processes may start at once on a fresh checkout (test workers, gunicorn
    workers): the secret is written to a private file and hard-linked into place, so the
    file appears complete or not at all, and a process that loses the race uses the
    winner's secret instead of failing on an existing file.
    """
    path = private_dir(instance_path) / name
    if path.exists():
        _tighten(path, 0o600)
        return path.read_text().strip()
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
    "SIPAS_REPORT_BUILD_LIMIT": ("REPORT_BUILD_LIMIT", str),
    "SIPAS_COMPARISON_MIN_UNITS": ("COMPARISON_MIN_UNITS", int),
    "SIPAS_COMPARISON_MIN_RESPONDENTS": ("COMPARISON_MIN_RESPONDENTS", int),
    "SIPAS_RECEIPT_LINKS_PER_DAY": ("RECEIPT_LINKS_PER_DAY", int),
    "SIPAS_REPORT_BUILD_SLOTS": ("REPORT_BUILD_SLOTS", int),
    "SIPAS_INVITATION_DELAY_SECONDS": ("INVITATION_DELAY_SECONDS", int),
    "SIPAS_INVITATION_EXPIRE_HOURS": ("INVITATION_EXPIRE_HOURS", int),
    "SIPAS_INVITATION_PHONE_CHANNEL": ("INVITATION_PHONE_CHANNEL", str),
    "SIPAS_OUTBOX_MAX_ATTEMPTS": ("OUTBOX_MAX_ATTEMPTS", int),
    "SIPAS_OUTBOX_RETRY_SECONDS": ("OUTBOX_RETRY_SECONDS", int),
    "SIPAS_OUTBOX_POLL_SECONDS": ("OUTBOX_POLL_SECONDS", int),
    "SIPAS_OUTBOX_HTTP_TIMEOUT": ("OUTBOX_HTTP_TIMEOUT", int),
    "SIPAS_SMTP_HOST": ("SMTP_HOST", str),
    "SIPAS_SMTP_PORT": ("SMTP_PORT", int),
    "SIPAS_SMTP_SECURITY": ("SMTP_SECURITY", str),
    "SIPAS_SMTP_USERNAME": ("SMTP_USERNAME", str),
    "SIPAS_SMTP_PASSWORD": ("SMTP_PASSWORD", str),
    "SIPAS_MAIL_FROM": ("MAIL_FROM", str),
    "SIPAS_SMS_GATEWAY_URL": ("SMS_GATEWAY_URL", str),
    "SIPAS_SMS_GATEWAY_KEY": ("SMS_GATEWAY_KEY", str),
    "SIPAS_ZALO_ZNS_URL": ("ZALO_ZNS_URL", str),
    "SIPAS_ZALO_ACCESS_TOKEN": ("ZALO_ACCESS_TOKEN", str),
    "SIPAS_ZALO_TEMPLATE_ID": ("ZALO_TEMPLATE_ID", str),
    "SIPAS_DELIVERY_REPORT_KEY": ("DELIVERY_REPORT_KEY", str),
}


def _plain_settings() -> dict:
    """The ENVIRONMENT variables that are set (an empty one counts as unset)."""
    out = {}
    for name, (key, kind) in ENVIRONMENT.items():
        text = os.environ.get(name, "").strip()
        if not text:
            continue
        if kind is int:
            out[key] = _whole_number(name, 0)
            continue
        try:
            out[key] = kind(text)
        except ValueError:
            raise ConfigError(f"{name}={text[:40]!r} is not a valid {kind.__name__}") from None
    return out


def secret_problem(value: str | None) -> str | None:
    """Why `value` is not a secret an attacker cannot guess, or None when it will do.

    Crude on purpose: length, variety of characters and a Shannon estimate of its bits.
    It refuses "a", "changeme", "passwordpassword…" and hex of fewer than ~16 bytes."""
    if not value:
        return "is not set"
    if len(value) < MIN_SECRET_CHARS:
        return f"is too short ({len(value)} characters, at least {MIN_SECRET_CHARS} needed)"
    counts = Counter(value)
    bits = -sum(n * math.log2(n / len(value)) for n in counts.values())
    if len(counts) < MIN_SECRET_DISTINCT or bits < MIN_SECRET_BITS:
        return "is too predictable (too few different characters)"
    return None


def _whole_number(name: str, default: int) -> int:
    raw = os.environ.get(name, "").strip()
    if not raw:
        return default
    if not raw.isascii() or not raw.isdigit():
        raise ConfigError(f"{name} must be a whole number ≥ 0, not {raw[:40]!r}")
    return int(raw)


def _workers() -> int:
    """Worker processes announced by the deployment (gunicorn reads WEB_CONCURRENCY)."""
    counts = [os.environ.get(n, "").strip() for n in ("SIPAS_WORKERS", "WEB_CONCURRENCY")]
    return max([int(c) for c in counts if c.isascii() and c.isdigit()] or [1])


def _check_production(db_url: str) -> None:
    """Refuse the deployments that are unsafe in production; warn about the doubtful."""
    for name in ("SIPAS_SECRET_KEY", "SIPAS_DOSSIER_KEY", "SIPAS_CONTACT_KEY"):
        problem = secret_problem(os.environ.get(name))
        if problem:
            raise ConfigError(f"SIPAS_ENV=production: {name} {problem}. "
                              f"Make one with: {SECRET_COMMAND}")
    if not os.environ.get("SIPAS_PUBLIC_BASE_URL", "").strip():
        raise ConfigError("SIPAS_ENV=production: SIPAS_PUBLIC_BASE_URL is not set, so links "
                          "and QR codes would take their host from the request's Host header. "
                          "Set it to the public address, e.g. https://hailong.example.gov.vn")
    if db_url.startswith("sqlite"):
        if not _flag("SIPAS_ALLOW_SQLITE_IN_PRODUCTION"):
            raise ConfigError("SIPAS_ENV=production: the database is SQLite (SIPAS_DATABASE_URL "
                              "is unset or sqlite://). Set SIPAS_DATABASE_URL=postgresql://…, "
                              "or SIPAS_ALLOW_SQLITE_IN_PRODUCTION=1 for one small process.")
        log.warning("SIPAS_ENV=production with SQLite (SIPAS_ALLOW_SQLITE_IN_PRODUCTION=1): "
                    "one process only, no concurrent writers")
    storage = os.environ.get("SIPAS_RATELIMIT_STORAGE_URI", "memory://")
    if storage.startswith("memory://"):
        workers = _workers()
        log.warning("SIPAS_ENV=production with rate limits in memory:// (%s): each worker "
                    "counts on its own, so the limits are multiplied by the number of workers. "
                    "Set SIPAS_RATELIMIT_STORAGE_URI=redis://host:6379",
                    f"{workers} workers announced" if workers > 1 else "workers unknown")


def from_environment(instance_path: str) -> dict:
    production = os.environ.get("SIPAS_ENV", "development") == "production"
    private_dir(instance_path)
    default_db = Path(instance_path) / "sipas.sqlite3"
    db_url = os.environ.get("SIPAS_DATABASE_URL") or ("sqlite:///" + str(default_db))
    if db_url == "sqlite:///" + str(default_db):
        _private_sqlite_file(default_db)
    if production:
        _check_production(db_url)
    elif os.environ.get("SIPAS_RATELIMIT_STORAGE_URI", "memory://").startswith("memory://") \
            and _workers() > 1:
        log.warning("rate limits in memory:// with %d workers: each counts on its own; "
                    "set SIPAS_RATELIMIT_STORAGE_URI=redis://host:6379", _workers())
    secure = _flag("SIPAS_SECURE_COOKIES", production)
    return {
        **_plain_settings(),
        "PRODUCTION": production,
        "SECRET_KEY": os.environ.get("SIPAS_SECRET_KEY")
        or _instance_secret(instance_path, "secret_key"),
        "DOSSIER_KEY": os.environ.get("SIPAS_DOSSIER_KEY")
        or _instance_secret(instance_path, "dossier_key"),
        "CONTACT_KEY": os.environ.get("SIPAS_CONTACT_KEY")
        or _instance_secret(instance_path, "contact_key"),
        "SQLALCHEMY_DATABASE_URI": normalise_database_url(db_url),
        "SESSION_COOKIE_SECURE": secure,
        "REMEMBER_COOKIE_SECURE": secure,
        "REMEMBER_COOKIE_DURATION": timedelta(days=_whole_number("SIPAS_REMEMBER_DAYS", 14)),
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
    # Builds a user may start (a cached report is free) and builds running at once per host.
    "REPORT_BUILD_LIMIT": "4 per minute;30 per hour",
    "REPORT_BUILD_SLOTS": 1,
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
    # A unit's comparison card ("toàn địa phương") needs this many other units and their
    # respondents, or it would show one other unit's figures (docs/privacy.md).
    "COMPARISON_MIN_UNITS": 3,
    "COMPARISON_MIN_RESPONDENTS": 30,
    # Receipt links one unit's API key may issue per day (Vietnam time); beyond: 429.
    "RECEIPT_LINKS_PER_DAY": 5000,
    # Invitations after the citizen has left (issue 14; services/dossier_events.py and
    # services/outbox.py). CONTACT_KEY itself comes from from_environment (a secret).
    "INVITATION_DELAY_SECONDS": 7200,
    "INVITATION_EXPIRE_HOURS": 48,
    "INVITATION_PHONE_CHANNEL": "sms",
    "OUTBOX_MAX_ATTEMPTS": 6,
    "OUTBOX_RETRY_SECONDS": 60,
    "OUTBOX_POLL_SECONDS": 30,
    "OUTBOX_HTTP_TIMEOUT": 10,
    "SMTP_HOST": None,
    "SMTP_PORT": 587,
    "SMTP_SECURITY": "starttls",
    "SMTP_USERNAME": None,
    "SMTP_PASSWORD": None,
    "MAIL_FROM": None,
    "SMS_GATEWAY_URL": None,
    "SMS_GATEWAY_KEY": None,
    "ZALO_ZNS_URL": "https://business.openapi.zalo.me/message/template",
    "ZALO_ACCESS_TOKEN": None,
    "ZALO_TEMPLATE_ID": None,
    "DELIVERY_REPORT_KEY": None,
}
