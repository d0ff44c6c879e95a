"""Column headers and sheet titles for people: Vietnamese, English with ``?lang=en``.

The CSV files keep the machine-readable codes (``estimate``, ``unit_code``...) so scripts
do not break; the XLSX files, opened by civil servants in Excel, show these labels. A
code without a label (a question code in the responses file) is shown as is: the
codebook sheet says what it means. In the index tables the XLSX also says in words which
table a row is from, which unit it counts the responses for, and its status against the
target (`readable_rows`); the numbers are the same cells as the CSV's.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Sequence

from flask_babel import lazy_gettext as _l

from analysis.status import status_label

HEADERS = {
    # index tables (index_rows.COLUMNS)
    "table": _l("Bảng"),
    "period": _l("Kỳ"),
    "role": _l("Phiếu được tính cho"),
    "unit_code": _l("Mã đơn vị"),
    "unit_name": _l("Tên đơn vị"),
    "field_code": _l("Mã lĩnh vực"),
    "field_name": _l("Tên lĩnh vực"),
    "element_code": _l("Mã yếu tố"),
    "element_name": _l("Tên yếu tố"),
    "estimate": _l("Tỷ lệ hài lòng"),
    "ci_low": _l("Khoảng tin cậy, cận dưới"),
    "ci_high": _l("Khoảng tin cậy, cận trên"),
    "se": _l("Sai số chuẩn"),
    "n_respondents": _l("Số người trả lời"),
    "n_answers": _l("Số câu trả lời"),
    "status": _l("Tình trạng so với chỉ tiêu"),
    "target": _l("Chỉ tiêu"),
    "n_needed": _l("Số phiếu cần có"),
    "method": _l("Phương pháp ước lượng"),
    "shrunken": _l("Ước lượng đã hiệu chỉnh theo đơn vị nhỏ"),
    "rank": _l("Thứ hạng"),
    "rank_low": _l("Thứ hạng, cận dưới"),
    "rank_high": _l("Thứ hạng, cận trên"),
    "change": _l("Thay đổi so với kỳ trước"),
    "change_low": _l("Thay đổi, cận dưới"),
    "change_high": _l("Thay đổi, cận trên"),
    "as_of": _l("Cơ cấu tổ chức tại ngày"),
    "unit_note": _l("Ghi chú về đơn vị"),
    # responses (responses.FIXED_COLUMNS)
    "row": _l("STT"),
    "deciding_unit_code": _l("Mã cơ quan giải quyết"),
    "deciding_unit_name": _l("Tên cơ quan giải quyết"),
    "date": _l("Ngày"),
    "channel": _l("Kênh"),
    "instrument": _l("Phiếu khảo sát"),
    # codebook (codebook.COLUMNS)
    "question_code": _l("Mã câu hỏi"),
    "section": _l("Phần"),
    "question_text": _l("Câu hỏi"),
    "value": _l("Giá trị"),
    "label": _l("Nhãn trả lời"),
    "satisfied": _l("Tính là hài lòng"),
}

SHEETS = {
    "headline": _l("Chung"),
    "units": _l("Đơn vị"),
    "fields": _l("Lĩnh vực"),
    "elements": _l("Yếu tố"),
    "trend": _l("Xu hướng"),
    "responses": _l("Phiếu trả lời"),
    "codebook": _l("Sổ mã"),
}


ROLES = {
    "receiving": _l("Đơn vị tiếp nhận hồ sơ"),
    "deciding": _l("Cơ quan giải quyết hồ sơ"),
}


def header_labels(columns: Iterable[str]) -> list[str]:
    """The columns' labels in the request's language (a code without one stays as is)."""
    return [str(HEADERS[c]) if c in HEADERS else c for c in columns]


def sheet_title(key: str) -> str:
    return str(SHEETS[key])


def readable_rows(columns: Sequence[str], rows: Iterable[list], locale: str) -> Iterator[list]:
    """Rows of the index tables with `table`, `role` and `status` codes in words."""
    words = {"table": SHEETS, "role": ROLES}
    where = {c: columns.index(c) for c in ("table", "role", "status") if c in columns}
    for row in rows:
        out = list(row)
        for column, i in where.items():
            code = out[i]
            if column == "status":
                out[i] = status_label(code, locale) if code else None
            elif code in words[column]:
                out[i] = str(words[column][code])
        yield out
