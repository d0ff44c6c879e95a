"""Long-format answers, exactly the input of ``python -m analysis indices``, so that an
analyst can rerun the statistics on the app's own data (docs/analysis.md).

Columns: ``response_id, unit, field, period, element, item, value, satisfied,
receiving_unit, deciding_unit`` — one row per element item of every valid response in the
scope. ``unit`` is the unit the export's view counts the response for (the receiving unit,
or in the deciding view the deciding agency, falling back to the receiving unit when none
was recorded), so ``--by unit`` gives the dashboard's unit table in either view;
``receiving_unit`` and ``deciding_unit`` are the two recorded units (the latter empty when
unknown). ``item`` is
``<instrument code>:<item code>`` and ``satisfied`` the stored flag (the instrument's
rule), as the dashboard counts them, so the CLI gives the dashboard's numbers. The
overall question is left out: the CLI would count it as an element.

What it never holds: database ids, dates or times, channel, dossier or client hash,
free text, demographic answers. ``response_id`` is a number drawn for this download,
and rows come in a random order, so neither can be lined up with the submission time
or with the comments export. Responses are read in pages of shuffled ids (the ids
themselves first: 8 bytes a response), so memory stays flat for a national year.
"""

from __future__ import annotations

import random
from collections.abc import Iterator

import sqlalchemy as sa

from survey_app.extensions import db
from survey_app.models import Answer, Field, InstrumentVersion, Response, Unit
from survey_app.reporting.attribution import attribution_column
from survey_app.reporting.indices import ReportScope, response_filters

HEADER = ["response_id", "unit", "field", "period", "element", "item", "value", "satisfied",
          "receiving_unit", "deciding_unit"]
PAGE_SIZE = 2000


def rows(scope: ReportScope, period: str, page_size: int | None = None,
         rng: random.Random | None = None,
         visible: sa.ColumnElement[bool] | None = None) -> Iterator[list]:
    """Yield the rows of HEADER for the valid responses of `scope` that the reader may see
    (`visible`: survey_app.services.scoping.visible_responses_condition), shuffled."""
    page_size = page_size or PAGE_SIZE
    rng = rng or random.SystemRandom()
    units = dict(db.session.execute(sa.select(Unit.id, Unit.code)).all())
    fields = dict(db.session.execute(sa.select(Field.id, Field.code)).all())
    versions = dict(db.session.execute(sa.select(InstrumentVersion.id,
                                                 InstrumentVersion.code)).all())
    ids = list(db.session.scalars(sa.select(Response.id)
                                  .where(*response_filters(scope),
                                         sa.true() if visible is None else visible)))
    db.session.rollback()
    rng.shuffle(ids)
    for start in range(0, len(ids), page_size):
        page = ids[start:start + page_size]
        number = {rid: start + k + 1 for k, rid in enumerate(page)}  # drawn, not the id
        found = db.session.execute(
            sa.select(Answer.response_id, attribution_column(scope.role), Response.field_id,
                      Response.instrument_version_id, Answer.element_code, Answer.item_code,
                      Answer.value, Answer.satisfied, Response.unit_id,
                      Response.deciding_unit_id)
            .join(Response, Response.id == Answer.response_id)
            .where(Answer.response_id.in_(page), Answer.element_code.is_not(None))).all()
        db.session.rollback()  # end the read transaction between pages
        rng.shuffle(found)
        for (rid, unit_id, field_id, iv_id, element, item, value, satisfied, received,
             decided) in found:
            yield [number[rid], units[unit_id], fields[field_id], period, element,
                   f"{versions[iv_id]}:{item}", value,
                   None if satisfied is None else int(satisfied), units[received],
                   units[decided] if decided else None]
