"""Reading an uploaded CSV or XLSX into rows of text, with errors a person can act on.

Why a module of its own: the unit and volume imports share the same file problems
(encoding, delimiter, wrong columns, Excel numbers) and must report them the same way,
in Vietnamese, before any row is looked at. Nothing here touches the database.

A small file must not be able to take a worker's memory (issue 11): an XLSX is a zip, and
its sheet may declare A1:XFD1048576 (openpyxl then pads every row to 16,384 cells and
fills the missing rows up to the millionth) or hold a deflate bomb (300 kB → 300 MB of
XML). So the zip's declared sizes and ratios are checked before openpyxl opens it, the
declared range is capped, and rows are streamed with at most MAX_LINES lines and
MAX_COLUMNS columns read, from XLSX and CSV alike. Values echoed in a message are cut
short (`shown`).
"""

from __future__ import annotations

import csv
import io
import warnings
import zipfile
from dataclasses import dataclass

from flask_babel import gettext as _

from instruments.loader import shown

MAX_ROWS = 5000
MAX_LINES = 4 * MAX_ROWS  # lines read, blank ones included
MAX_COLUMNS = 50
MAX_UNCOMPRESSED = 50 * 1024 * 1024  # all members of an XLSX together, as declared in the zip
MAX_RATIO = 200  # uncompressed/compressed of one member over 1 MB (typical sheets: 5–20)
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


def _too_many_lines() -> TableError:
    return TableError(_("Tệp dài quá %(max)d dòng (kể cả dòng trống). Một lần nhập nhận tối đa "
                        "%(rows)d dòng dữ liệu; vui lòng chia thành nhiều tệp và xoá các dòng "
                        "trống ở cuối.", max=MAX_LINES, rows=MAX_ROWS))


def _too_many_columns() -> TableError:
    return TableError(_("Tệp có dữ liệu ở quá %(max)d cột. Vui lòng chỉ giữ các cột cần nhập.",
                        max=MAX_COLUMNS))


def _bounded(rows, clean) -> list[list[str]]:
    """Rows read one at a time, refused past MAX_LINES lines or MAX_COLUMNS columns."""
    out = []
    for line, row in enumerate(rows, start=1):
        if line > MAX_LINES:
            raise _too_many_lines()
        if any(c not in (None, "") for c in row[MAX_COLUMNS:]):
            raise _too_many_columns()
        out.append([clean(c) for c in row[:MAX_COLUMNS]])
    return out


def _csv_lines(text: str, delimiter: str):
    """The file's lines for csv.reader, refused before parsing when there are too many or
    one holds thousands of delimiters (csv would build the whole row first: 8 MB of ","
    is a row of 8 million cells)."""
    for number, line in enumerate(io.StringIO(text), start=1):
        if number > MAX_LINES:
            raise _too_many_lines()
        if line.count(delimiter) > 4 * MAX_COLUMNS:  # room for delimiters inside quotes
            raise _too_many_columns()
        yield line


def _csv_rows(data: bytes) -> list[list[str]]:
    text = _decode(data)
    first = text.split("\n", 1)[0]
    # Excel on a Vietnamese Windows separates with ";" (the decimal mark is ",").
    delimiter = max((",", ";", "\t"), key=first.count)
    try:
        return _bounded(csv.reader(_csv_lines(text, delimiter), delimiter=delimiter), str.strip)
    except csv.Error as exc:
        raise TableError(_("Tệp CSV không đọc được: %(problem)s", problem=str(exc))) from None


def _corrupt_xlsx() -> TableError:
    return TableError(_("Tệp XLSX bị hỏng hoặc không phải tệp Excel (.xlsx) hợp lệ."))


def _check_archive(data: bytes) -> None:
    """Refuse a zip that would expand beyond MAX_UNCOMPRESSED, before anything is inflated.

    Python's zipfile never returns more than a member's declared size (and checks its
    CRC), so the sizes in the directory bound what openpyxl can read."""
    try:
        members = zipfile.ZipFile(io.BytesIO(data)).infolist()
    except (zipfile.BadZipFile, ValueError, OSError):
        raise _corrupt_xlsx() from None
    total = sum(m.file_size for m in members)
    bomb = any(m.file_size > 1024 * 1024 and m.file_size > MAX_RATIO * max(m.compress_size, 1)
               for m in members)
    if total > MAX_UNCOMPRESSED or bomb:
        raise TableError(_("Tệp XLSX giải nén ra quá lớn (%(mb)d MB, tối đa %(max)d MB) hoặc "
                           "nén bất thường. Vui lòng lưu lại bằng Excel chỉ với dữ liệu cần "
                           "nhập, hoặc dùng tệp CSV UTF-8.", mb=total // (1024 * 1024),
                           max=MAX_UNCOMPRESSED // (1024 * 1024)))


def _check_declared_range(sheet) -> None:
    rows, columns = sheet.max_row or 0, sheet.max_column or 0
    if rows > MAX_LINES or columns > MAX_COLUMNS:
        raise TableError(_("Trang tính khai báo vùng dữ liệu %(rows)d dòng × %(cols)d cột, vượt "
                           "quá giới hạn %(max_rows)d dòng × %(max_cols)d cột. Vui lòng sao chép "
                           "riêng vùng dữ liệu cần nhập sang một tệp mới.", rows=rows,
                           cols=columns, max_rows=MAX_LINES, max_cols=MAX_COLUMNS))


def _xlsx_rows(data: bytes) -> list[list[str]]:
    from openpyxl import load_workbook

    _check_archive(data)
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # openpyxl warns about styles it ignores
            book = load_workbook(io.BytesIO(data), read_only=True, data_only=True)
            try:
                sheet = book.worksheets[0]
                _check_declared_range(sheet)
                # The declared range may also lie: read what is there, within the bounds.
                sheet.reset_dimensions()
                rows = _bounded(sheet.iter_rows(max_col=MAX_COLUMNS + 1, values_only=True),
                                _cell_text)
            finally:
                book.close()
    except TableError:
        raise
    except (zipfile.BadZipFile, KeyError, ValueError, OSError, IndexError):
        raise _corrupt_xlsx() from None
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
    unknown = [shown(h) if h else "(trống)" for h in header if h not in required + optional]
    duplicated = sorted({shown(h) for h in header if header.count(h) > 1})
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
