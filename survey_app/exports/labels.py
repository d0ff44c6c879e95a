"""Column headers and sheet titles for people: Vietnamese, English with ``?lang=en``.

The CSV files keep the machine-readable codes (``estimate``, ``unit_code``...) so scripts
do not break; the XLSX files, opened by civil servants in Excel, show these labels. A
code without a label (a question code in the responses file) is shown as is: the
codebook sheet says what it means.
"""

from __future__ import annotations

from collections.abc import Iterable

from flask_babel import lazy_gettext as _l

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


def header_labels(columns: Iterable[str]) -> list[str]:
    """The columns' labels in the request's language (a code without one stays as is)."""
    return [str(HEADERS[c]) if c in HEADERS else c for c in columns]


def sheet_title(key: str) -> str:
    return str(SHEETS[key])
