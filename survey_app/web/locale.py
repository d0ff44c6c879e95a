"""Locale selection: the user's explicit choice (?lang=, kept in the session), else Vietnamese.

Citizens at a Vietnamese counter often have phones set to English; the survey must
still open in Vietnamese (issue 3), so the browser's Accept-Language is not used.
"""

from __future__ import annotations

from urllib.parse import urlencode

from flask import Flask, current_app, request, session
from flask_babel import get_locale

from analysis.formatting import number, percent, points, target_percent
from analysis.status import status_label
from survey_app.extensions import babel


def select_locale() -> str:
    languages = current_app.config["LANGUAGES"]
    asked = request.args.get("lang")
    if asked in languages:
        session["lang"] = asked
        return asked
    chosen = session.get("lang")
    if chosen in languages:
        return chosen
    return current_app.config["BABEL_DEFAULT_LOCALE"]


def current_locale() -> str:
    return str(get_locale() or "vi")


def lang_url(lang: str) -> str:
    """This page in another language, keeping its query. A receipt link's token is never
    put back into a URL: the survey keeps it in the session (issue 11, item 16)."""
    args = request.args.to_dict()
    args.pop("d", None)
    args["lang"] = lang
    return "?" + urlencode(args)  # relative: same page, whatever its path


def init_app(app: Flask) -> None:
    babel.init_app(app, locale_selector=select_locale)
    app.jinja_env.globals["current_locale"] = current_locale
    app.jinja_env.globals["lang_url"] = lang_url
    app.jinja_env.globals["has_endpoint"] = lambda name: name in app.view_functions


def _pct(value, decimals: int = 1) -> str:
    return percent(value, current_locale(), decimals)


def _target_pct(value) -> str:
    return target_percent(value, current_locale())


def _num(value) -> str:
    return number(value, current_locale())


def _pp(value) -> str:
    return points(value, current_locale())


def _status_label(code) -> str:
    return status_label(code, current_locale())


def register_filters(app: Flask) -> None:
    """Numbers and target statuses in the user's language, by analysis.formatting and
    analysis.status: the same words and digits as the figures and the PDF report."""
    app.jinja_env.filters["pct"] = _pct
    app.jinja_env.filters["target_pct"] = _target_pct
    app.jinja_env.filters["num"] = _num
    app.jinja_env.filters["pp"] = _pp
    app.jinja_env.globals["status_label"] = _status_label
    from analysis.periods import VIETNAM

    def localtime(value, fmt: str = "%d/%m/%Y %H:%M") -> str:
        """A stored UTC time as Vietnam's wall-clock time (UTC+7 all year)."""
        return "–" if value is None else value.astimezone(VIETNAM).strftime(fmt)

    app.jinja_env.filters["localtime"] = localtime
