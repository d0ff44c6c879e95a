"""Every admin form, enumerated from the URL map, with random field values and a valid
CSRF token: units, fields, counters, users, targets, review and moderation buttons.

A form either does what it is for (a redirect) or says what is wrong (4xx, and then
nothing stored changes); never a 5xx, never the input echoed as markup. (The file
uploads have their own fuzzers; CSRF itself is tested in test_csrf.py.)
"""

from __future__ import annotations

import re

import pytest
import sqlalchemy as sa
from hypothesis import given
from hypothesis import strategies as st

from survey_app.extensions import db
from survey_app.models import User
from tests.conftest import add_user
from tests.hostile.conftest import FUZZ, form_body, nasty_text, table_counts
from tests.hostile.test_csrf import FORM

pytestmark = pytest.mark.slow  # hypothesis: every admin form, many times

UPLOADS = {"admin.import_upload", "admin.import_confirm", "admin.instrument_upload"}
values = st.one_of(
    nasty_text,
    st.sampled_from(["", "1", "2", "0", "xa", "huyen", "tinh", "admin", "unit", "analyst",
                     "overall", "field", "unit_kind", "sipas", "tthc", "dat-dai", "99,5", "nan",
                     "inf", "1e400", "-5", "2026", "y", "X-TL", "H-CL", "mat-khau-moi-dai"]),
    st.integers(-2**40, 2**40).map(str),
)


@pytest.fixture
def forms(any_app, any_admin_client):  # noqa: ARG001 - the admin world
    """Paths of the admin forms; user pages point at another admin, not at oneself."""
    app = any_app
    add_user(app, "quantri-khac", "admin")
    with app.app_context():
        other = db.session.scalar(sa.select(User.id).filter_by(username="quantri-khac"))
    paths = set()
    for rule in app.url_map.iter_rules():
        if "POST" in rule.methods and rule.endpoint.startswith("admin.") \
                and rule.endpoint not in UPLOADS:
            number = str(other) if "user_id" in rule.arguments else "1"
            paths.add(re.sub(r"<int:\w+>", number, rule.rule))
    return sorted(paths)


@FUZZ
@given(which=st.integers(0, 1000),
       fields=st.dictionaries(st.sampled_from(sorted(FORM)), values, max_size=8))
def test_random_values_in_every_admin_form(any_app, any_admin_client, forms, which, fields):
    app, path = any_app, forms[which % len(forms)]
    body = {**FORM, **fields, "csrf_token": any_admin_client.csrf_token}
    before = table_counts(app)
    reply = any_admin_client.post(path, data=form_body(body.items()),
                                  content_type="application/x-www-form-urlencoded")
    assert reply.status_code < 500, (path, fields)
    assert b"<script>alert(1)" not in reply.data and b"<img src=x" not in reply.data
    if reply.status_code >= 400:
        assert table_counts(app) == before, (path, reply.status_code)
