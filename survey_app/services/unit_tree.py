"""Units in tree order with their depth: the admin's unit list and every unit picker
(the dashboard's "Phạm vi", the admin forms) show the same tree."""

from __future__ import annotations

from survey_app.extensions import db
from survey_app.models import Unit


def unit_tree(units: list[Unit] | None = None) -> list[tuple[Unit, int]]:
    """Units in tree order with their depth: parents first, siblings by code.

    Units whose parent is missing from the list (a unit user sees its own subtree only)
    are shown as roots so nothing disappears from the page.
    """
    units = units if units is not None else list(db.session.scalars(db.select(Unit)))
    ids = {u.id for u in units}
    children: dict[int | None, list[Unit]] = {}
    for u in units:
        children.setdefault(u.parent_id if u.parent_id in ids else None, []).append(u)
    for kids in children.values():
        kids.sort(key=lambda u: u.code)
    ordered: list[tuple[Unit, int]] = []
    stack = [(u, 0) for u in reversed(children.get(None, []))]
    while stack:
        unit, depth = stack.pop()
        ordered.append((unit, depth))
        stack.extend((k, depth + 1) for k in reversed(children.get(unit.id, [])))
    return ordered


def indented(name: str, depth: int) -> str:
    """An <option> label that shows its depth: em spaces (kept by HTML, unlike plain
    spaces) and a corner before every unit below the top."""
    return "\u2003" * depth + ("└ " if depth else "") + name
