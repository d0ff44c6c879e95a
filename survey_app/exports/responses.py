"""Anonymised responses, one row per response, read in pages so memory stays flat.

What a row holds: the receiving unit, the deciding agency (empty when the receipt link
did not name one), field, local day, channel, instrument and the answer to every question
by item code. The scope's role (`vai`) decides which responses are in the file, not the
columns. What it never holds: the dossier hash, the client hash, the
submission key, the database id (sequential ids would let a reader order responses
within a day and link them to the comments), the comment text, or the demographic
questions (with unit and day they could point at a person in a small commune).
Sensitive items (survey_app.services.disclosure) are left out unless the caller says the
reader is Nội vụ; units never get this export at all (docs/privacy.md).

Rows come out in a random order, drawn afresh for every download: in submission order a
row's position dated it within its day and linked it to the comments. The ids of the
scope are read first (8 bytes each, a few MB for a national year) and shuffled; each page
is then two short queries for a slice of them (the responses, then their answers), so no
cursor or transaction stays open while the client downloads, and the same code runs on
SQLite and PostgreSQL.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass

import numpy as np
import sqlalchemy as sa

from survey_app.extensions import db
from survey_app.models import Answer, Field, InstrumentVersion, Response, Unit
from survey_app.reporting.indices import VIETNAM, ReportScope, response_filters
from survey_app.services.disclosure import is_sensitive

PAGE_SIZE = 2000
HIDDEN_SECTIONS = frozenset({"demographics"})
NOT_APPLICABLE = "na"
FIXED_COLUMNS = ["row", "unit_code", "unit_name", "deciding_unit_code", "deciding_unit_name",
                 "field_code", "field_name", "date", "channel", "instrument"]


@dataclass(frozen=True)
class Layout:
    """Which question goes to which column, for every instrument version in the scope."""

    columns: list[str]
    position: dict[tuple[int, str], int]  # (instrument version id, item code) → column index
    instrument: dict[int, str]  # version id → "sipas-2022@v1"


def _shown(code: str, section: str | None, sensitive: bool) -> bool:
    return section not in HIDDEN_SECTIONS and (sensitive or not is_sensitive(code))


def layout(scope: ReportScope, *, sensitive: bool = False) -> Layout:
    """Columns for the scope's instrument versions; `sensitive` items only when asked."""
    used = db.session.scalars(sa.select(Response.instrument_version_id).distinct()
                              .where(*response_filters(scope))).all()
    versions = db.session.scalars(sa.select(InstrumentVersion)
                                  .where(InstrumentVersion.id.in_(used))
                                  .order_by(InstrumentVersion.code, InstrumentVersion.version)).all()
    owners: dict[str, set[str]] = {}
    for iv in versions:
        for q in iv.instrument.questions:
            if _shown(q.code, q.section, sensitive):
                owners.setdefault(q.code, set()).add(iv.code)
    columns: list[str] = []
    index: dict[str, int] = {}
    position: dict[tuple[int, str], int] = {}
    for iv in versions:
        for q in iv.instrument.questions:
            if not _shown(q.code, q.section, sensitive):
                continue
            # An item code used by two questionnaires gets the questionnaire's name.
            name = q.code if len(owners[q.code]) == 1 else f"{iv.code}:{q.code}"
            if name not in index:
                index[name] = len(FIXED_COLUMNS) + len(columns)
                columns.append(name)
            position[(iv.id, q.code)] = index[name]
    return Layout(columns, position, {iv.id: iv.key for iv in versions})


def header(lay: Layout) -> list[str]:
    return FIXED_COLUMNS + lay.columns


def rows(scope: ReportScope, lay: Layout, page_size: int | None = None,
         visible: sa.ColumnElement[bool] | None = None) -> Iterator[list]:
    """Yield one list per valid response of `scope` the reader may see (`visible`:
    survey_app.services.scoping.visible_responses_condition), in a random order."""
    page_size = page_size or PAGE_SIZE
    units = {i: (c, n) for i, c, n in db.session.execute(
        sa.select(Unit.id, Unit.code, Unit.name_vi))}
    fields = {i: (c, n) for i, c, n in db.session.execute(
        sa.select(Field.id, Field.code, Field.name_vi))}
    width = len(FIXED_COLUMNS) + len(lay.columns)
    where = [*response_filters(scope), sa.true() if visible is None else visible]
    everyone = np.fromiter(db.session.scalars(sa.select(Response.id).where(*where)),
                           dtype=np.int64)
    np.random.default_rng().shuffle(everyone)  # seeded from the OS: a new order each time
    db.session.rollback()
    number = 0
    for start in range(0, len(everyone), page_size):
        ids = everyone[start:start + page_size].tolist()
        found = {r.id: r for r in db.session.execute(
            sa.select(Response.id, Response.unit_id, Response.field_id, Response.submitted_at,
                      Response.channel, Response.instrument_version_id,
                      Response.deciding_unit_id)
            .where(*where, Response.id.in_(ids)))}
        page = [found[i] for i in ids if i in found]  # invalidated meanwhile: left out
        answers: dict[int, list[tuple[str, int | None]]] = {}
        for rid, code, value in db.session.execute(
                sa.select(Answer.response_id, Answer.item_code, Answer.value)
                .where(Answer.response_id.in_(ids))):
            answers.setdefault(rid, []).append((code, value))
        db.session.rollback()  # end the read transaction between pages
        for r in page:
            number += 1
            unit, field = units[r.unit_id], fields[r.field_id]
            decider = units[r.deciding_unit_id] if r.deciding_unit_id else (None, None)
            out: list = [None] * width
            out[:len(FIXED_COLUMNS)] = [number, unit[0], unit[1], decider[0], decider[1],
                                        field[0], field[1],
                                        r.submitted_at.astimezone(VIETNAM).date().isoformat(),
                                        r.channel, lay.instrument.get(r.instrument_version_id)]
            for code, value in answers.get(r.id, ()):
                col = lay.position.get((r.instrument_version_id, code))
                if col is not None:
                    out[col] = NOT_APPLICABLE if value is None else value
            yield out
