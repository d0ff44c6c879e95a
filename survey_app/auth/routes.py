"""Log in and out. Failed logins are throttled (auth/throttle.py) without letting anyone
lock an account; no session fixation; no open redirect; the same message for an unknown
user and a wrong password; logout ends every copy of the session."""

from __future__ import annotations

from urllib.parse import urlsplit

from flask import abort, flash, redirect, render_template, request, session, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_user, logout_user
from werkzeug.security import check_password_hash

from survey_app.auth import bp, throttle
from survey_app.auth.forms import LoginForm
from survey_app.extensions import db
from survey_app.models import User, utcnow
from survey_app.services.audit import record

# A fixed hash to compare against when the user does not exist, so both failures take
# the same time and an attacker cannot tell which usernames exist.
_DUMMY_HASH = ("scrypt:32768:8:1$GrsQ78Lj9ukHWpYK$82dbbdb859b359c020576f2be9bf1d3e86e57ae609d"
               "ed7e13904b3c9f9ebc29b51c551f875bd40840ae175aaebf5237c4db87e93d829a005306be21d"
               "7dd9e5b7")


def safe_next(target: str | None) -> str:
    """Only a path on this site: never another host, scheme or protocol-relative URL.

    Control characters are refused too: browsers drop tabs and newlines from a URL
    ("/\t/evil.example" is "//evil.example" to them), and a CR/LF in the Location header
    is refused by werkzeug with an exception (it was a 500)."""
    if not target or any(ord(c) < 32 or ord(c) == 127 for c in target):
        return url_for("staff.dashboard")
    parts = urlsplit(target)
    if parts.scheme or parts.netloc or not target.startswith("/") or target.startswith("//") \
            or "\\" in target:
        return url_for("staff.dashboard")
    return target


@bp.route("", methods=["GET", "POST"])
def login():
    if current_user.is_authenticated:
        return redirect(safe_next(request.args.get("next")))
    form = LoginForm(next=request.args.get("next", ""))
    if form.validate_on_submit():
        username = form.username.data.strip()
        if throttle.refused(username):
            abort(429)
        user = db.session.scalar(db.select(User).filter_by(username=username))
        ok = check_password_hash(user.password_hash if user else _DUMMY_HASH,
                                 form.password.data)
        if user is not None and ok and user.active:
            session.clear()  # a new session: no fixation of a pre-login session id
            login_user(user, remember=form.remember.data)
            user.last_login_at = utcnow()
            record("login", "user", user.id, user=user)
            db.session.commit()
            return redirect(safe_next(form.next.data))
        record("login_failed", "user", None, username=username[:64])
        db.session.commit()
        throttle.count_failure(username)
        flash(_("Tên đăng nhập hoặc mật khẩu không đúng."), "error")
    # A refused POST (bad credentials or invalid fields) is a 422, a plain GET a 200.
    return render_template("auth/login.html", form=form), (
        422 if request.method == "POST" else 200)


def _end_session(action: str) -> None:
    """Log out: the user's session version changes, so this session, the remember cookie
    and any copy of either stop working, here and on every other device. The session is
    cleared *before* `logout_user()`, which marks the remember cookie for deletion
    (clearing after it erased that mark, and the browser stayed logged in)."""
    if current_user.is_authenticated:
        user = current_user._get_current_object()
        user.end_sessions()
        record(action, "user", user.id)
        db.session.commit()
    session.clear()
    logout_user()


@bp.post("/thoat")
def logout():
    _end_session("logout")
    flash(_("Bạn đã đăng xuất."), "info")
    return redirect(url_for("auth.login"))


@bp.post("/thoat-moi-noi")
def logout_everywhere():
    _end_session("logout_everywhere")
    flash(_("Bạn đã đăng xuất trên mọi thiết bị."), "info")
    return redirect(url_for("auth.login"))
