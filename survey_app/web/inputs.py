"""Request inputs that no view should have to think about.

- **NUL** (``%00``) in a URL, a query parameter or a form field is refused with a 400
  before any view runs, as is a multipart field without a readable name. PostgreSQL
  cannot store or even compare text containing NUL (psycopg raises DataError), so
  without this one check every query on user input — the login form, a counter slug,
  a unit code in a filter — was a 500 waiting to happen.
- **Numbers typed by people** (ids, page numbers, years, counts) are parsed by
  `whole_number`: ASCII digits only and bounded. ``str.isdigit`` accepts "²" (which
  ``int`` then refuses) and any length (an id beyond 2**31 overflows SQLite's and
  PostgreSQL's integers); both were 500s.
- ``<int:…>`` in URLs is bounded the same way (`IdConverter`): a bigger number is a 404
  like any id that does not exist.
"""

from __future__ import annotations

from flask import Flask, request
from flask_babel import lazy_gettext as _l
from werkzeug.exceptions import BadRequest
from werkzeug.routing import IntegerConverter

MAX_ID = 2**31 - 1  # PostgreSQL `integer`; SQLite's is wider, so this bound serves both
FORM_TYPES = ("application/x-www-form-urlencoded", "multipart/form-data")


class MalformedRequest(BadRequest):
    show_detail = True
    description = _l("Nội dung gửi lên có ký tự không hợp lệ. Vui lòng kiểm tra lại và gửi lại.")


def whole_number(text: str | None, maximum: int = MAX_ID) -> int | None:
    """The number a person typed ("12", " 7 "), or None for anything else, including
    "²", "٣", "-1", "1e3" and numbers above `maximum`."""
    text = (text or "").strip()
    if not text or not text.isascii() or not text.isdigit() or len(text) > len(str(maximum)):
        return None
    value = int(text)
    return value if value <= maximum else None


class IdConverter(IntegerConverter):
    """``<int:…>`` bounded to what the database's integer ids can hold."""

    def __init__(self, url_map, *args, **kwargs) -> None:
        kwargs.setdefault("max", MAX_ID)
        super().__init__(url_map, *args, **kwargs)


def _malformed(pairs) -> bool:
    """NUL in a name or value, or a multipart field whose name werkzeug could not read
    (a line break in it): the key is then None, and views calling key.startswith()
    failed with a 500."""
    return any(key is None or "\x00" in key or "\x00" in value for key, value in pairs)


def refuse_nul() -> None:
    if "\x00" in request.path or _malformed(request.args.items(multi=True)):
        raise MalformedRequest()
    if request.method in ("GET", "HEAD", "OPTIONS") or request.mimetype not in FORM_TYPES:
        return
    if request.mimetype == FORM_TYPES[0]:
        # Keep the raw bytes: the survey checks them for invalid UTF-8 after this hook.
        request.get_data(cache=True)
    if _malformed(request.form.items(multi=True)) or any(
            "\x00" in (f.filename or "") for f in request.files.values()):
        raise MalformedRequest()


def init_app(app: Flask) -> None:
    """Before the blueprints: their rules take the converter when they are registered."""
    app.url_map.converters["int"] = IdConverter
    app.before_request(refuse_nul)
