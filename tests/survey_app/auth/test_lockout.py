"""Nobody can lock a staff account (issue 11, item 5): only failures count, per
(username, client); a slower backoff per username stops guessing from many addresses
but lets the real user in from a client with no failures. Lockouts are audited."""

from __future__ import annotations

import sqlalchemy as sa

from survey_app.extensions import db
from survey_app.models import AuditLog
from tests.conftest import csrf_from
from tests.survey_app.auth.conftest import PASSWORD


def _try(app, address: str, username: str, password: str, lang: str = ""):
    client = app.test_client()
    client.environ_base["REMOTE_ADDR"] = address
    page = client.get("/dang-nhap" + (f"?lang={lang}" if lang else ""))
    return client.post("/dang-nhap" + (f"?lang={lang}" if lang else ""), data={
        "csrf_token": csrf_from(page.text), "username": username, "password": password})


def _locks(app):
    with app.app_context():
        return db.session.execute(sa.select(AuditLog.username, AuditLog.detail).where(
            AuditLog.action == "login.locked").order_by(AuditLog.id)).all()


def test_fifty_failures_from_other_clients_do_not_lock_out_the_real_user(users):
    app = users
    codes = [_try(app, f"203.0.113.{n // 5}", "quantri", f"doan-mo-{n}").status_code
             for n in range(50)]
    assert codes[:30] == [422] * 30  # the per-username backoff: 30 per hour; past it,
    assert codes[30:] == ([422] + [429] * 4) * 4  # one guess per address without failures
    # The real admin, from a client with no failures, logs in.
    assert _try(app, "198.51.100.7", "quantri", PASSWORD).status_code == 302
    # The attacker's clients stay stopped, even with the right password.
    assert _try(app, "203.0.113.1", "quantri", PASSWORD).status_code == 429
    # A fresh attacker address gets one guess, then it is stopped too.
    assert _try(app, "192.0.2.50", "quantri", "doan-mo-x").status_code == 422
    assert _try(app, "192.0.2.50", "quantri", "doan-mo-y").status_code == 429
    locks = _locks(app)
    assert {d["scope"] for _u, d in locks} == {"account", "account_client"}
    assert all(d["username"] == "quantri" for _u, d in locks)


def test_failures_from_one_client_get_429_in_vietnamese_and_english(users):
    app = users
    codes = [_try(app, "203.0.113.9", "phantich", "doan-mo").status_code for _ in range(6)]
    assert codes == [422] * 5 + [429]
    blocked = _try(app, "203.0.113.9", "phantich", PASSWORD)
    assert blocked.status_code == 429 and "Quá nhiều yêu cầu" in blocked.text
    english = _try(app, "203.0.113.9", "phantich", PASSWORD, lang="en")
    assert english.status_code == 429 and "Too many requests" in english.text
    # Another account from the same client is still open (the client limit is 10/min).
    assert _try(app, "203.0.113.9", "quantri", PASSWORD).status_code == 302


def test_successful_logins_do_not_count(users):
    codes = [_try(users, "198.51.100.8", "phantich", PASSWORD).status_code for _ in range(12)]
    assert codes == [302] * 12
