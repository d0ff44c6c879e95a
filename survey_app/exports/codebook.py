"""The codebook (sổ mã): what every question code and answer value in the exports means.

Built from the stored instrument versions (their published YAML, the same definitions as
instruments/files), one row per answer value of every question:

    instrument, question_code, section, element_code, element_name, question_text,
    value, label, satisfied

``instrument`` is the version key the responses export has in its ``instrument`` column
(``sipas-2022@v1``); ``question_code`` the item code that names a column of the
responses export (prefixed there by the questionnaire code when two questionnaires
share it) and, after ``<instrument code>:``, the ``item`` of the long answers export.
``value`` is the stored answer (``na`` = not applicable, as the responses export writes
it); ``satisfied`` says whether the instrument counts that answer as satisfied (1/0;
empty for questions that are not satisfaction items). Texts and labels are in the
request's language.

It carries no response data, so every staff role may download it. The demographic
questions are left out: no export carries their answers (survey_app.exports.responses).
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator

import sqlalchemy as sa
from flask_babel import gettext as _

from survey_app.exports.responses import HIDDEN_SECTIONS, NOT_APPLICABLE
from survey_app.extensions import db
from survey_app.models import InstrumentVersion, Response
from survey_app.reporting.indices import ReportScope, response_filters

COLUMNS = ["instrument", "question_code", "section", "element_code", "element_name",
           "question_text", "value", "label", "satisfied"]
SATISFIED_COLUMN = COLUMNS.index("satisfied")


def all_versions() -> list[InstrumentVersion]:
    return list(db.session.scalars(sa.select(InstrumentVersion)
                                   .order_by(InstrumentVersion.code, InstrumentVersion.version)))


def versions_in(scope: ReportScope) -> list[InstrumentVersion]:
    """The instrument versions the scope's responses were given on.

    One EXISTS per version (a handful), which stops at the first response found, rather
    than a DISTINCT over a national year of responses."""
    used = (sa.select(Response.id)
            .where(Response.instrument_version_id == InstrumentVersion.id,
                   *response_filters(scope)).exists())
    return list(db.session.scalars(sa.select(InstrumentVersion)
                                   .where(used)
                                   .order_by(InstrumentVersion.code, InstrumentVersion.version)))


def rows(versions: Iterable[InstrumentVersion], locale: str) -> Iterator[list]:
    """One row per (question, answer value), in COLUMNS order; satisfied is 1, 0 or None."""
    for iv in versions:
        instrument = iv.instrument
        for q in instrument.questions:
            if q.section in HIDDEN_SECTIONS:
                continue
            element = instrument.element(q.element) if q.element else None
            fixed = [iv.key, q.code, q.section, q.element,
                     element.name.get(locale) if element else None, q.text.get(locale)]
            for option in q.scale.options:
                yield [*fixed, option.value, option.label.get(locale),
                       int(q.is_satisfied(option.value)) if q.scale.is_satisfaction else None]
            if q.not_applicable:
                yield [*fixed, NOT_APPLICABLE, _("Không áp dụng"), None]


def sheet_rows(versions: Iterable[InstrumentVersion], locale: str) -> Iterator[list]:
    """rows() for a person: satisfied as "Có"/"Không" (empty where it does not apply)."""
    words = {1: _("Có"), 0: _("Không"), None: None}
    for row in rows(versions, locale):
        row[SATISFIED_COLUMN] = words[row[SATISFIED_COLUMN]]
        yield row
