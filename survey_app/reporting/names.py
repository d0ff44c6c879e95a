"""A dashboard's names in the reader's language. build_dashboard (cached, shared by
every language) names units, fields and elements in Vietnamese; the page, its figures
and the periodic report ask here for the names in their own language. A unit without an
English name keeps its Vietnamese one (it is a proper name)."""

from __future__ import annotations

from dataclasses import replace

import sqlalchemy as sa

from survey_app.extensions import db
from survey_app.models import Field, InstrumentVersion, Unit
from survey_app.reporting.dashboard import Dashboard


def in_language(d: Dashboard, locale: str) -> Dashboard:
    """A copy of `d` whose unit, field and element names are in `locale`."""
    if not locale.startswith("en"):
        return d
    units = {u.id: u.name(locale) for u in db.session.scalars(sa.select(Unit))}
    fields = {f.id: f.name(locale) for f in db.session.scalars(sa.select(Field))}
    by_vi = {u.name_vi: u.name(locale) for u in db.session.scalars(sa.select(Unit))}
    field_by_vi = {f.name_vi: f.name(locale) for f in db.session.scalars(sa.select(Field))}

    def renamed(table, column, ids, names):
        if table is None or table.empty or ids not in table:
            return table
        return table.assign(**{column: table[ids].map(names).fillna(table[column])})

    elements: dict[str, str] = {}
    for iv in db.session.scalars(sa.select(InstrumentVersion)
                                 .order_by(InstrumentVersion.published_at.desc())):
        for e in iv.instrument.elements:
            elements.setdefault(e.code, e.name.get(locale))
    return replace(
        d, units=renamed(d.units, "unit", "unit_id", units),
        heatmap=renamed(d.heatmap, "unit", "unit_id", units),
        fields=renamed(d.fields, "field", "field_id", fields),
        element_names={code: elements.get(code, name) for code, name in d.element_names.items()},
        comments=[dict(c, unit=by_vi.get(c["unit"], c["unit"]),
                       field=field_by_vi.get(c["field"], c["field"])) for c in d.comments])
