"""Shared pieces of the hostile-input tests: hypothesis settings, nasty values, snapshots.

Hypothesis runs derandomized (the examples are a function of the test's code), so CI
sees the same inputs on every run and a failure reproduces locally; the example
database is off, for the same reason. SIPAS_FUZZ_EXAMPLES=2000 (say) searches longer
on a workstation; CI keeps the default, sized for the whole folder to take about a
minute on two cores. Fixtures such as `app` are function-scoped:
every example of one test shares its database, so each example compares what is
stored before and after its own request rather than assuming an empty database.
"""

from __future__ import annotations

import io
import os
from urllib.parse import quote_from_bytes

import pytest
import sqlalchemy as sa
from hypothesis import HealthCheck, settings
from hypothesis import strategies as st

from survey_app.extensions import db

FUZZ = settings(
    max_examples=int(os.environ.get("SIPAS_FUZZ_EXAMPLES", "60")),
    deadline=None,
    derandomize=True,
    database=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow,
                           HealthCheck.data_too_large, HealthCheck.large_base_example],
)

# What attackers and broken clients actually send.
PAYLOADS = (
    "' OR 1=1--", "1; DROP TABLE responses;--", "' UNION SELECT password_hash FROM users--",
    "<script>alert(1)</script>", '"><img src=x onerror=alert(1)>', "javascript:alert(1)",
    "{{7*7}}", "${7*7}", "%s%s%n", "../../../../etc/passwd", "=cmd|' /C calc'!A0",
    "+SUM(1,1)", "-1+1", "@SUM(1)", "\t=1+1", "\r\nSet-Cookie: x=1", "a\x00b", "\x00",
    "%00", "%FF%FE", "\ufeff", "\u202etxt.exe", "\ufffd", "²", "٣", "１２", "9" * 5000,
    "-1", "0", "1e999", "NaN", "Infinity", "-0", "0x10", " 3 ", "", " ", "na", "NA",
    "true", "null", "[]", "{}", "ý" * 600, "x" * 70_000,
)

nasty_text = st.one_of(
    st.sampled_from(PAYLOADS),
    st.text(max_size=40),
    st.text(st.characters(codec="utf-8"), max_size=40),
    st.text(alphabet=st.sampled_from("0123456789²٣-+. naQ\x00<>'\"&%"), max_size=12),
)


def form_body(pairs) -> bytes:
    """An application/x-www-form-urlencoded body from (key, value) pairs of str or bytes.

    Bytes are percent-encoded as they are, so the body can carry what a browser never
    sends: invalid UTF-8, lone surrogate encodings, NUL."""
    def enc(part) -> str:
        raw = part if isinstance(part, bytes) else part.encode("utf-8", "surrogatepass")
        return quote_from_bytes(raw, safe="")
    return "&".join(f"{enc(k)}={enc(v)}" for k, v in pairs).encode("ascii")


def post_file(client, url: str, csrf_token: str, content: bytes, filename: str):
    """POST a multipart upload built in memory.

    The test client spools a body above 500 kB to a temporary file it never closes (a
    ResourceWarning, an error under our warning filter); a real server reads a socket."""
    from werkzeug.datastructures import FileStorage
    from werkzeug.test import encode_multipart

    boundary, body = encode_multipart({
        "csrf_token": csrf_token,
        "file": FileStorage(io.BytesIO(content), filename=filename,
                            content_type="application/octet-stream")})
    return client.post(url, data=body, content_type=f"multipart/form-data; boundary={boundary}")


def table_counts(app) -> dict[str, int]:
    """Rows per table: a refused request must leave every one of them as it was."""
    with app.app_context():
        return {t.name: db.session.scalar(sa.select(sa.func.count()).select_from(t))
                for t in db.metadata.sorted_tables}


def table_rows(app, *skip: str) -> dict[str, list[tuple]]:
    """Every row of every table (but `skip`): an injected UPDATE keeps the counts."""
    with app.app_context():
        return {t.name: [tuple(r) for r in db.session.execute(
                    sa.select(t).order_by(*t.primary_key.columns))]
                for t in db.metadata.sorted_tables if t.name not in skip}


def without(counts: dict[str, int], *tables: str) -> dict[str, int]:
    return {k: v for k, v in counts.items() if k not in tables}


@pytest.fixture
def any_admin_client(any_app):
    """An admin logged in on SQLite or PostgreSQL, over the admin tests' small unit tree."""
    from tests.conftest import StaffAuth, csrf_from
    from tests.survey_app.admin.conftest import PASSWORD, build_world

    build_world(any_app)
    client = any_app.test_client()
    assert StaffAuth(client).login("quantri", PASSWORD).status_code == 302
    # One CSRF token serves every form of the session: no GET before each upload.
    client.csrf_token = csrf_from(client.get("/admin/nhap/don-vi").text)
    return client
