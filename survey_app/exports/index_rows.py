"""The dashboard's tables as rows for a file: the numbers are the Dashboard's, unchanged.

One long table for CSV (a `table` column says which view a row belongs to) and one sheet
per view for XLSX; the columns are the same in both so a script can read either. `role`
says which unit each response was counted for: `receiving` (the unit that received the
dossier) or `deciding` (the agency that decides it; docs/reporting.md).
`as_of` is the date whose structure the units are (survey_app.reporting.rebase);
`unit_note` says why an old unit is shown under its own name (split_unassigned,
ended_without_successor).
"""

from __future__ import annotations

from collections.abc import Iterator

import pandas as pd

from survey_app.reporting.dashboard import Dashboard

COLUMNS = ["table", "period", "role", "unit_code", "unit_name", "field_code", "field_name",
           "element_code", "element_name", "estimate", "ci_low", "ci_high", "se",
           "n_respondents", "n_answers", "status", "target", "n_needed", "method",
           "shrunken", "rank", "rank_low", "rank_high", "change", "change_low", "change_high",
           "as_of", "unit_note"]
PERCENT_COLUMNS = ("estimate", "ci_low", "ci_high", "target", "shrunken", "change",
                   "change_low", "change_high")
TABLES = {"headline": "Chung", "units": "Đơn vị", "fields": "Lĩnh vực",
          "elements": "Yếu tố", "trend": "Xu hướng"}


def _plain(value):
    """pandas/numpy scalars → Python (None for missing) so writers format them alike."""
    if value is None:
        return None
    if hasattr(value, "item") and not isinstance(value, str):
        value = value.item()
    if isinstance(value, float) and value != value:
        return None
    return value


def _rows(frame: pd.DataFrame, table: str, fixed: dict) -> Iterator[list]:
    for record in frame.to_dict("records"):
        row = {**fixed, **record}
        yield [table if c == "table" else _plain(row.get(c)) for c in COLUMNS]


def _fixed(d: Dashboard, **more) -> dict:
    as_of = d.query.as_of.isoformat() if d.query.as_of else None
    return {"role": d.query.role, "as_of": as_of, **more}


def table_rows(d: Dashboard, table: str) -> Iterator[list]:
    """Rows of one view of the dashboard, in COLUMNS order."""
    period = d.query.period
    if table == "headline":
        if d.headline:
            yield from _rows(pd.DataFrame([d.headline]), table, _fixed(d, period=period))
    elif table == "units":
        frame = d.units.rename(columns={"code": "unit_code", "unit": "unit_name",
                                        "lineage_note": "unit_note"})
        yield from _rows(frame, table, _fixed(d, period=period))
    elif table == "fields":
        frame = d.fields.rename(columns={"code": "field_code", "field": "field_name"})
        yield from _rows(frame, table, _fixed(d, period=period))
    elif table == "elements":
        frame = d.elements.assign(element_code=d.elements["index"],
                                  element_name=d.elements["index"].map(
                                      lambda c: d.element_names.get(c, c)))
        yield from _rows(frame, table, _fixed(d, period=period))
    elif table == "trend":
        yield from _rows(d.trend, table, _fixed(d))
    else:
        raise ValueError(f"unknown table {table!r}")


def all_rows(d: Dashboard) -> Iterator[list]:
    for table in TABLES:
        yield from table_rows(d, table)
