"""Validity dates and official codes of units: the checks shared by the unit and lineage
imports (survey_app.admin.imports, survey_app.admin.lineage_import)."""

from __future__ import annotations

import re
from datetime import date
from typing import TYPE_CHECKING

from flask_babel import gettext as _

from survey_app.models import Unit, district_outlives_reform

if TYPE_CHECKING:
    from survey_app.admin.imports import RowPlan

_DATE_FORMATS = (re.compile(r"^(\d{4})-(\d{1,2})-(\d{1,2})(?: 00:00:00)?$"),
                 re.compile(r"^(\d{1,2})/(\d{1,2})/(\d{4})$"))


def parse_date(text: str) -> date | None:
    """2025-07-01, 01/07/2025 (day first, as written in Viet Nam) or an Excel date cell."""
    text = (text or "").strip()
    for number, pattern in enumerate(_DATE_FORMATS):
        match = pattern.match(text)
        if match:
            parts = [int(p) for p in match.groups()]
            year, month, day = parts if number == 0 else parts[::-1]
            try:
                return date(year, month, day)
            except ValueError:
                return None
    return None


def check_date(row: RowPlan, column: str, required: bool) -> date | None:
    text = row.values.get(column, "")
    if not text:
        if required:
            row.error(column, _("bắt buộc, đang để trống."))
        return None
    value = parse_date(text)
    if value is None:
        row.error(column, _("ngày \"%(value)s\" không hợp lệ (ví dụ 2025-07-01 hoặc "
                            "01/07/2025).", value=text))
    return value


def check_validity(row: RowPlan, unit: Unit | None, kind: str | None,
                   level: str | None) -> None:
    """Dates readable and in order; a district body cannot outlive 2025-07-01."""
    start = check_date(row, "valid_from", False) if "valid_from" in row.values else (
        unit.valid_from if unit else None)
    end = check_date(row, "valid_to", False) if "valid_to" in row.values else (
        unit.valid_to if unit else None)
    if start and end and start >= end:
        row.error("valid_to", _("ngày hết hiệu lực phải sau ngày bắt đầu hiệu lực."))
    if kind and level and district_outlives_reform(kind, level, end):
        row.error("valid_to", _("cấp huyện đã bỏ từ ngày 01/07/2025 (Nghị quyết "
                                "202/2025/QH15): đơn vị cấp huyện chỉ được nhập như lịch sử, "
                                "với valid_to là 2025-07-01 hoặc sớm hơn."))


def check_admin_codes(rows: list[RowPlan], existing: dict[str, Unit]) -> None:
    """An official code is unique: within the file and against other stored units."""
    owner = {u.admin_code: u.code for u in existing.values() if u.admin_code}
    in_file: dict[str, int] = {}
    for row in rows:
        code = row.values.get("admin_code", "")
        if not code:
            continue
        from survey_app.admin.imports import _check_code

        _check_code(row, "admin_code")
        if code in in_file:
            row.error("admin_code", _("mã đơn vị hành chính \"%(code)s\" trùng với dòng "
                                      "%(other)d của tệp.", code=code, other=in_file[code]))
            continue
        in_file[code] = row.line
        holder = owner.get(code)
        if holder and holder != row.values.get("code"):
            row.error("admin_code", _("mã đơn vị hành chính \"%(code)s\" đã là của đơn vị "
                                      "%(unit)s.", code=code, unit=holder))
