"""The one place that decides which units a logged-in user may see (docs/ARCHITECTURE.md).

admin and analyst (Nội vụ) see every unit; a `unit` user sees its own unit and every
unit below it in the tree, nothing else. Pages, exports, figures and the API all ask
`visible_unit_ids(user)` or `restrict(scope, user)`; no view filters by hand.

A response has two units (NĐ 118/2025): the receiving unit (`Response.unit_id`) and the
deciding agency (`Response.deciding_unit_id`). A unit user may see a response when
its subtree holds either one: `visible_responses_condition` / `can_see_response`. A
report reads one role at a time (`ReportScope.role`, survey_app.reporting.attribution):
the receiving view counts what was received in the scope's units, the deciding view what
they decide.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import replace

import sqlalchemy as sa

from survey_app.extensions import db
from survey_app.models import Unit
from survey_app.reporting import ReportScope
from survey_app.reporting.attribution import ATTRIBUTION_ROLES, attributed_condition
from survey_app.reporting.attribution import attribution_column as attribution_column

SEE_ALL_ROLES = frozenset({"admin", "analyst"})


def subtree_ids(root_ids: Iterable[int]) -> frozenset[int]:
    """The given units and all their descendants (recursive CTE; SQLite and PostgreSQL)."""
    roots = [int(i) for i in root_ids]
    if not roots:
        return frozenset()
    tree = sa.select(Unit.id).where(Unit.id.in_(roots)).cte("tree", recursive=True)
    tree = tree.union_all(sa.select(Unit.id).join(tree, Unit.parent_id == tree.c.id))
    return frozenset(db.session.scalars(sa.select(tree.c.id)).all())


def visible_unit_ids(user) -> frozenset[int] | None:
    """None means "every unit"; otherwise the set of unit ids the user may see."""
    if user is None or not getattr(user, "is_authenticated", False):
        return frozenset()
    if user.role in SEE_ALL_ROLES:
        return None
    if user.role == "unit" and user.unit_id is not None:
        return subtree_ids([user.unit_id])
    return frozenset()


def can_see_unit(user, unit_id: int) -> bool:
    visible = visible_unit_ids(user)
    return visible is None or int(unit_id) in visible


def restrict(scope: ReportScope, user) -> ReportScope:
    """The scope narrowed to what `user` may see (never widened)."""
    visible = visible_unit_ids(user)
    if visible is None:
        return scope
    wanted = visible if scope.unit_ids is None else visible & set(scope.unit_ids)
    return replace(scope, unit_ids=tuple(sorted(wanted)))


def visible_units_query(user) -> sa.Select:
    """SELECT of the Unit rows `user` may see, for lists and pickers."""
    query = sa.select(Unit)
    visible = visible_unit_ids(user)
    if visible is not None:
        query = query.where(Unit.id.in_(sorted(visible)) if visible else sa.false())
    return query


def visible_responses_condition(user, roles: Iterable[str] = ATTRIBUTION_ROLES
                                ) -> sa.ColumnElement[bool]:
    """WHERE clause on `responses` for what `user` may see: Nội vụ everything; a unit user
    the responses whose receiving unit or deciding agency lies in its subtree."""
    return attributed_condition(visible_unit_ids(user), roles)


def can_see_response(user, response) -> bool:
    visible = visible_unit_ids(user)
    return visible is None or bool(
        {response.unit_id, response.deciding_unit_id} & visible)
