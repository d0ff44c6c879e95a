"""CSV and XLSX writers that stream: memory stays flat whatever the number of rows.

CSV is produced chunk by chunk as a generator (UTF-8 with a BOM, so Excel as installed
in Vietnamese offices opens the diacritics correctly). XLSX cannot be sent before it is
complete (it is a zip with a directory at the end), so openpyxl's write-only mode spools
the rows to a temporary file on disk and the file is streamed from there.

Every text cell goes through `neutralise()`: a cell starting with = + - @ (or a tab or
carriage return, which some spreadsheets skip before the check) would be run as a formula
when the file is opened (OWASP "CSV injection"); a leading apostrophe makes it text.
"""

from __future__ import annotations

import csv
import io
import math
import tempfile
from collections.abc import Iterable, Iterator, Sequence
from typing import Any

FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
BOM = "\ufeff"
CSV_CHUNK_ROWS = 2000
XLSX_MAX_ROWS = 1_048_576  # Excel's limit per sheet: longer exports continue on a new sheet
PERCENT_FORMAT = "0.0%"
HEADER_FROZEN = "A2"  # the header row stays in view while scrolling


def neutralise(value: Any) -> Any:
    """A text cell that a spreadsheet would evaluate, made inert; other values unchanged."""
    if isinstance(value, str) and value.startswith(FORMULA_STARTS):
        return "'" + value
    return value


def _csv_value(value: Any) -> Any:
    """Machine-readable cells: proportions keep their decimal point; missing is empty."""
    if value is None:
        return ""
    if isinstance(value, float):
        return "" if math.isnan(value) else repr(value)
    if isinstance(value, bool):
        return "true" if value else "false"
    return neutralise(value) if isinstance(value, str) else value


def csv_cells(cells: Sequence[Any]) -> str:
    """Cells as the CSV text `csv_stream` writes for them (neutralised, quoted where
    needed), without the line end: for callers that put a row together from parts."""
    buffer = io.StringIO()
    csv.writer(buffer, lineterminator="").writerow([_csv_value(v) for v in cells])
    return buffer.getvalue()


def csv_stream(header: Sequence[str], rows: Iterable[Sequence[Any]],
               chunk_rows: int | None = None) -> Iterator[str]:
    """Yield the CSV text (BOM, header, rows) a few thousand rows at a time."""
    chunk_rows = chunk_rows or CSV_CHUNK_ROWS
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")
    buffer.write(BOM)
    writer.writerow([neutralise(h) for h in header])
    for count, row in enumerate(rows, start=1):
        writer.writerow([_csv_value(v) for v in row])
        if count % chunk_rows == 0:
            yield buffer.getvalue()
            buffer.seek(0)
            buffer.truncate()
    yield buffer.getvalue()


def _xlsx_value(value: Any) -> Any:
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return None
    if hasattr(value, "item") and not isinstance(value, str):  # numpy scalars
        value = value.item()
    return neutralise(value) if isinstance(value, str) else value


def xlsx_file(sheets: Iterable[tuple[str, Sequence[str], Iterable[Sequence[Any]]]],
              percent_columns: Iterable[str] = ()) -> tempfile.SpooledTemporaryFile:
    """Write sheets (title, header, rows) to a temporary XLSX file, returned rewound.

    Columns named in `percent_columns` get a percent number format, so a proportion
    0.925 shows as 92.5% (92,5% in a Vietnamese Excel) yet stays a number."""
    percent = set(percent_columns)
    from openpyxl import Workbook  # loaded by the first XLSX, not at every worker's boot
    from openpyxl.cell import WriteOnlyCell

    book = Workbook(write_only=True)
    for title, header, rows in sheets:
        part = 1
        sheet = book.create_sheet(title=title[:31])
        sheet.freeze_panes = HEADER_FROZEN  # set before the first row: write-only mode
        sheet.append([neutralise(h) for h in header])
        written = 1
        formats = [h in percent for h in header]
        for row in rows:
            if written == XLSX_MAX_ROWS:
                part += 1
                sheet = book.create_sheet(title=f"{title[:27]} ({part})")
                sheet.freeze_panes = HEADER_FROZEN
                sheet.append([neutralise(h) for h in header])
                written = 1
            out = []
            for value, is_percent in zip(row, formats, strict=False):
                value = _xlsx_value(value)
                if is_percent and isinstance(value, float):
                    cell = WriteOnlyCell(sheet, value=value)
                    cell.number_format = PERCENT_FORMAT
                    out.append(cell)
                else:
                    out.append(value)
            sheet.append(out)
            written += 1
    # Returned open, closed by file_chunks once sent: a `with` block would close it here.
    spool = tempfile.SpooledTemporaryFile(max_size=8 * 1024 * 1024)  # noqa: SIM115
    book.save(spool)
    spool.seek(0)
    return spool


def file_chunks(handle, size: int = 64 * 1024) -> Iterator[bytes]:
    """Stream a file object in chunks, closing it at the end (or when the client leaves)."""
    try:
        while chunk := handle.read(size):
            yield chunk
    finally:
        handle.close()
