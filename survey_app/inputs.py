"""Request inputs that no view should have to think about.

- **NUL** (``%00``) in a URL, a query parameter or a form field is refused with a 400
  before any view runs. PostgreSQL cannot store or even compare text containing NUL
  (psycopg raises DataError), so without this one check every query on user input —
  the login form, a counter slug, a unit code in a filter — was a 500 waiting to happen.
"""

from __future__ import annotations

from flask import Flask, request
from flask_babel import lazy_gettext as _l
from werkzeug.exceptions import BadRequest

FORM_TYPES = ("application/x-www-form-urlencoded", "multipart/form-data")


class MalformedRequest(BadRequest):
    show_detail = True
    description = _l("Nội dung gửi lên có ký tự không hợp lệ. Vui lòng kiểm tra lại và gửi lại.")


def _has_nul(pairs) -> bool:
    return any("\x00" in key or "\x00" in value for key, value in pairs)


def refuse_nul() -> None:
    if "\x00" in request.path or _has_nul(request.args.items(multi=True)):
        raise MalformedRequest()
    if request.method in ("GET", "HEAD", "OPTIONS") or request.mimetype not in FORM_TYPES:
        return
    if request.mimetype == FORM_TYPES[0]:
        # Keep the raw bytes: the survey checks them for invalid UTF-8 after this hook.
        request.get_data(cache=True)
    if _has_nul(request.form.items(multi=True)) or any(
            "\x00" in (f.filename or "") for f in request.files.values()):
        raise MalformedRequest()


def init_app(app: Flask) -> None:
    app.before_request(refuse_nul)
