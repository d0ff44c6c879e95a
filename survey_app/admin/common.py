"""Small helpers shared by the admin views: the unit tree, pickers, lookups, pagination."""

from __future__ import annotations

from typing import TypeVar
from urllib.parse import urlencode

from flask import abort, request
from flask_babel import gettext as _

from survey_app.admin.forms import options
from survey_app.extensions import db
from survey_app.models import Field, InstrumentVersion
from survey_app.services.unit_tree import unit_tree
from survey_app.web.inputs import whole_number

M = TypeVar("M")
PER_PAGE = 50


def get_or_404(model: type[M], object_id: int) -> M:
    obj = db.session.get(model, object_id)
    if obj is None:
        abort(404)
    return obj


def page_number() -> int:
    """?page=N, 1 for anything that is not a positive number (never a 500)."""
    return whole_number(request.args.get("page"), maximum=99_999) or 1


def page_url(number: int) -> str:
    """This list at page `number`, keeping its filters: a relative "?…" link, like lang_url.

    Not url_for(endpoint, **request.args): url_for reads _scheme, _external and _anchor
    from the visitor's query string (a 500 for ?_scheme=x, a javascript: link for
    ?_scheme=javascript&_external=1)."""
    args = request.args.to_dict()
    args["page"] = str(number)
    return "?" + urlencode(args)


def unit_choices(empty_label: str | None = None,
                 exclude: frozenset[int] = frozenset()) -> list:
    """Units for a <select>, indented as in the tree ("—" per level)."""
    choices = [("", empty_label)] if empty_label else []
    for unit, depth in unit_tree():
        if unit.id not in exclude:
            label = ("— " * depth) + f"{unit.name_vi} ({unit.code})"
            if not unit.active:
                label += " – " + _("ngừng hoạt động")
            choices.append((str(unit.id), label))
    return options(choices)


def field_choices(empty_label: str) -> list:
    fields = db.session.scalars(db.select(Field).order_by(Field.sort_order, Field.code))
    return options([("", empty_label)] + [(str(f.id), f"{f.name_vi} ({f.code})") for f in fields])


def instrument_choices(keep_id: int | None = None) -> list:
    """Published versions; a counter's current version stays listed even once retired."""
    query = db.select(InstrumentVersion).order_by(InstrumentVersion.code,
                                                   InstrumentVersion.version)
    out = []
    for iv in db.session.scalars(query):
        if iv.status == "published" or iv.id == keep_id:
            title = iv.instrument.title.get("vi")
            retired = " – " + _("đã ngừng dùng") if iv.status == "retired" else ""
            out.append((str(iv.id), f"{title} ({iv.key}){retired}"))
    return options(out)


def apply_changes(obj, values: dict) -> dict:
    """Set `values` on `obj`; return {attribute: [old, new]} of what really changed,
    the form in which changes go to the audit log."""
    changes = {k: [getattr(obj, k, None), v] for k, v in values.items()
               if getattr(obj, k, None) != v}
    for k, v in values.items():
        setattr(obj, k, v)
    return changes


def int_or_none(value: str | None) -> int | None:
    """An id from a query string or a <select>: None for anything that cannot be one."""
    return whole_number(value)
