"""Reading an uploaded CSV or XLSX into rows of text, with errors a person can act on.

Why a module of its own: the unit and volume imports share the same file problems
(encoding, delimiter, wrong columns, Excel numbers) and must report them the same way,
in Vietnamese, before any row is looked at. Nothing here touches the database.
"""

from __future__ import annotations

import csv
import io
import warnings
import zipfile
from dataclasses import dataclass

from flask_babel import gettext as _

MAX_ROWS = 5000
XLSX_MAGIC = b"PK\x03\x04"


class TableError(ValueError):
    """The file as a whole cannot be read; str() is the message shown to the admin."""


@dataclass(frozen=True)
class SourceRow:
    """One data row: `line` is the row number as Excel shows it (the header is row 1)."""

    line: int
    values: dict[str, str]


def _cell_text(value: object) -> str:
    """Excel cells as the admin typed them: 12.0 → "12", None → ""."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "1" if value else "0"
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value).strip()


def _decode(data: bytes) -> str:
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        raise TableError(_("Tệp CSV đang ở dạng UTF-16 (Unicode text). Vui lòng lưu lại bằng "
                           "Excel với định dạng \"CSV UTF-8 (phân cách bằng dấu phẩy)\"."))
    if data.startswith(b"\xef\xbb\xbf"):
        data = data[3:]
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError as exc:
        line = data[:exc.start].count(b"\n") + 1
        raise TableError(_(
            "Tệp CSV không phải mã UTF-8 (lỗi ở dòng %(line)d; có thể là Windows-1258 hoặc "
            "TCVN3). Vui lòng lưu lại bằng Excel với định dạng \"CSV UTF-8 (phân cách bằng "
            "dấu phẩy)\" để tiếng Việt không bị lỗi font.", line=line)) from None


def _csv_rows(data: bytes) -> list[list[str]]:
    text = _decode(data)
    first = text.split("\n", 1)[0]
    # Excel on a Vietnamese Windows separates with ";" (the decimal mark is ",").
    delimiter = max((",", ";", "\t"), key=first.count)
    try:
        return [[c.strip() for c in row] for row in csv.reader(io.StringIO(text),
                                                              delimiter=delimiter)]
    except csv.Error as exc:
        raise TableError(_("Tệp CSV không đọc được: %(problem)s", problem=str(exc))) from None


def _xlsx_rows(data: bytes) -> list[list[str]]:
    from openpyxl import load_workbook

    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # openpyxl warns about styles it ignores
            book = load_workbook(io.BytesIO(data), read_only=True, data_only=True)
            try:
                sheet = book.worksheets[0]
                rows = [[_cell_text(c) for c in row]
                        for row in sheet.iter_rows(values_only=True)]
            finally:
                book.close()
    except (zipfile.BadZipFile, KeyError, ValueError, OSError, IndexError):
        raise TableError(_("Tệp XLSX bị hỏng hoặc không phải tệp Excel (.xlsx) hợp lệ.")) from None
    return rows


def read_table(filename: str, data: bytes, required: tuple[str, ...],
               optional: tuple[str, ...] = ()) -> list[SourceRow]:
    """The data rows of a CSV/XLSX file whose header names exactly the expected columns.

    Raises TableError for a file that cannot be read at all: wrong type or encoding,
    missing or unknown columns, no data, too many rows.
    """
    name = (filename or "").lower()
    if not data:
        raise TableError(_("Tệp tải lên đang trống."))
    if name.endswith(".xlsx") or data.startswith(XLSX_MAGIC):
        rows = _xlsx_rows(data)
    elif name.endswith((".csv", ".txt")):
        rows = _csv_rows(data)
    else:
        raise TableError(_("Chỉ nhận tệp .csv (UTF-8) hoặc .xlsx."))

    numbered = [(line, r) for line, r in enumerate(rows, start=1) if any(c for c in r)]
    if not numbered:
        raise TableError(_("Tệp không có dòng tiêu đề và dữ liệu."))
    header = [h.strip().lower().lstrip("\ufeff") for h in numbered[0][1]]
    while header and not header[-1]:
        header.pop()
    missing = [c for c in required if c not in header]
    unknown = [h or "(trống)" for h in header if h not in required + optional]
    duplicated = sorted({h for h in header if header.count(h) > 1})
    if missing or unknown or duplicated:
        parts = []
        if missing:
            parts.append(_("thiếu cột: %(cols)s", cols=", ".join(missing)))
        if unknown:
            parts.append(_("cột không được nhận: %(cols)s", cols=", ".join(unknown)))
        if duplicated:
            parts.append(_("cột bị lặp: %(cols)s", cols=", ".join(duplicated)))
        raise TableError(_("Dòng tiêu đề không đúng (%(problems)s). Các cột cần có: %(cols)s.",
                           problems="; ".join(parts), cols=", ".join(required + optional)))
    data_rows = numbered[1:]
    if not data_rows:
        raise TableError(_("Tệp chỉ có dòng tiêu đề, chưa có dữ liệu."))
    if len(data_rows) > MAX_ROWS:
        raise TableError(_("Tệp có %(n)d dòng dữ liệu, vượt quá %(max)d dòng cho một lần nhập. "
                           "Vui lòng chia thành nhiều tệp.", n=len(data_rows), max=MAX_ROWS))
    result = []
    for line, row in data_rows:
        padded = list(row) + [""] * (len(header) - len(row))
        values = {h: padded[i].strip() for i, h in enumerate(header)}
        if any(c.strip() for c in padded[len(header):]):
            values["__extra__"] = "1"  # more cells than columns: reported by the row checks
        result.append(SourceRow(line, values))
    return result
