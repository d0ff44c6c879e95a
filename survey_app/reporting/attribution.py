"""Which unit a response counts for: the two roles of attribution by dossier (NĐ 118/2025).

A response records the **receiving unit** (`Response.unit_id`: the counter, centre or
reception point where the dossier was handed in) and, when the receipt link named it,
the **deciding agency** (`Response.deciding_unit_id`: cơ quan có thẩm quyền giải quyết).
The reports can be read in either role (docs/reporting.md "Receiving or deciding"):

- `receiving`: a unit's index is the service at its counters;
- `deciding`: a unit's index is about the dossiers it decides. A response whose deciding
  agency is unknown falls back to its receiving unit (one-stop counters of a commune
  decide most of their own dossiers), and the page says how many did.

This module holds the SQL expressions only; `survey_app.services.scoping` builds the
"received OR decides" visibility of a unit user from them.
"""

from __future__ import annotations

from collections.abc import Iterable

import sqlalchemy as sa

from survey_app.models import Response

ATTRIBUTION_ROLES = ("receiving", "deciding")
DEFAULT_ROLE = "receiving"


def attribution_column(role: str) -> sa.ColumnElement:
    """The unit a response counts for in `role`: where the dossier was received, or the
    agency that decides it, falling back to the receiving unit when the link did not say."""
    if role == "receiving":
        return Response.unit_id
    if role == "deciding":
        return sa.func.coalesce(Response.deciding_unit_id, Response.unit_id)
    raise ValueError(f"unknown attribution role {role!r}")


def attributed_condition(unit_ids: Iterable[int] | None,
                         roles: Iterable[str] = ATTRIBUTION_ROLES) -> sa.ColumnElement[bool]:
    """WHERE clause: the response belongs to one of `unit_ids` in one of `roles`.

    None means every unit (TRUE); an empty set matches nothing (FALSE). With both roles a
    response received at A and decided by B matches for A's ids and for B's ids."""
    if unit_ids is None:
        return sa.true()
    ids = sorted({int(i) for i in unit_ids})
    if not ids:
        return sa.false()
    return sa.or_(*(_in_role(role, ids) for role in roles))


def _in_role(role: str, ids: list[int]) -> sa.ColumnElement[bool]:
    """attribution_column(role) IN ids, written so that the indexes on unit_id and
    deciding_unit_id can serve it (a COALESCE(...) IN (...) could only be scanned)."""
    if role == "deciding":
        return sa.or_(Response.deciding_unit_id.in_(ids),
                      sa.and_(Response.deciding_unit_id.is_(None), Response.unit_id.in_(ids)))
    return attribution_column(role).in_(ids)


def fallback_condition(role: str) -> sa.ColumnElement[bool]:
    """The responses `role` attributes by falling back to the receiving unit (deciding
    agency unknown); none in the receiving view."""
    if role == "deciding":
        return Response.deciding_unit_id.is_(None)
    attribution_column(role)  # raises on an unknown role
    return sa.false()
