"""The dossier-event import: the API's events from a CSV/XLSX file, for offices without an
integration (preview, then all or nothing, as the other imports).

Each row goes through the same checks and the same `record_event` as the API
(survey_app/services/dossier_events.py); an event already stored (same receiving unit,
dossier and event) is "unchanged" and left as it is. Times without a zone are read as
Viet Nam time (what Excel gives). The contact columns are never shown back in the
preview (the template masks them) and never audited.
"""

from __future__ import annotations

from datetime import datetime

from flask_babel import gettext as _

from survey_app.admin.imports import RowPlan, _extra_cells
from survey_app.admin.upload_reader import SourceRow
from survey_app.services.audit import record
from survey_app.services.dossier_events import check_event, existing_event, record_event
from survey_app.services.receipts import ReceiptLinkError

COLUMNS = ("event", "dossier_code", "receiving_unit", "channel")
OPTIONAL = ("counter", "deciding_agency", "field", "procedure_code", "received_at",
            "returned_at", "contact_phone", "contact_email")
CONTACT_COLUMNS = ("contact_phone", "contact_email")


def _with_zone(text: str) -> str:
    """A time typed without a zone is Viet Nam time (+07:00)."""
    text = text.strip()
    try:
        moment = datetime.fromisoformat(text)
    except ValueError:
        return text  # check_event names the column
    return text if moment.tzinfo else moment.isoformat() + "+07:00"


def _as_request(values: dict[str, str]) -> dict:
    data = {k: values.get(k) or None for k in COLUMNS + OPTIONAL if k not in CONTACT_COLUMNS}
    for column in ("received_at", "returned_at"):
        if data[column]:
            data[column] = _with_zone(data[column])
    contact = {k.removeprefix("contact_"): values[k] for k in CONTACT_COLUMNS if values.get(k)}
    data["contact"] = contact or None
    return data


def _explain(column: str) -> str:
    """What a column must hold, in the admin's language (the API's messages are English)."""
    rules = {
        "event": _("phải là received (tiếp nhận) hoặc returned (trả kết quả)."),
        "dossier_code": _("bắt buộc, tối đa 64 ký tự in được."),
        "receiving_unit": _("phải là mã (hoặc mã đơn vị hành chính) của một đơn vị đang "
                            "hoạt động."),
        "channel": _("phải là counter, online hoặc postal."),
        "field": _("không có lĩnh vực mã này."),
        "procedure_code": _("tối đa 40 ký tự in được."),
        "deciding_agency": _("phải là mã của một đơn vị đang hoạt động và còn hiệu lực hôm "
                             "nay."),
        "received_at": _("thời điểm không hợp lệ (ví dụ 2026-11-20 09:15), thiếu khi "
                         "event là received, hoặc ở tương lai."),
        "returned_at": _("thời điểm không hợp lệ (ví dụ 2026-11-20 16:30), thiếu khi "
                         "event là returned, ở tương lai hoặc trước received_at."),
        "contact": _("chỉ một trong contact_phone (số di động Việt Nam) hoặc contact_email "
                     "(địa chỉ thư hợp lệ), và chỉ với returned."),
        "counter": _("không có quầy đang hoạt động với mã này ở nơi tiếp nhận (hoặc nơi "
                     "tiếp nhận chưa có quầy nào)."),
    }
    return rules.get(column, _("giá trị không hợp lệ."))


def _checked(row: RowPlan):
    try:
        return check_event(_as_request(row.values), None)
    except ReceiptLinkError as exc:
        column = "contact_phone / contact_email" if exc.field == "contact" else exc.field
        row.error(column, _explain(exc.field))
        return None


def plan_events(source: list[SourceRow]) -> list[RowPlan]:
    rows = [RowPlan(s.line, dict(s.values)) for s in source]
    seen: dict[tuple, int] = {}
    for row in rows:
        _extra_cells(row)
        checked = _checked(row)
        if checked is None:
            continue
        key = (checked.unit.id, checked.dossier_hash, checked.event)
        if key in seen:
            row.error("dossier_code", _("trùng đơn vị, hồ sơ và sự kiện với dòng %(other)d.",
                                        other=seen[key]))
            continue
        seen[key] = row.line
        if existing_event(*key) is not None:
            row.status = "unchanged"
    return rows


def apply_events(rows: list[RowPlan], filename: str) -> dict[str, int]:
    """Record the new events of a checked plan, in the caller's transaction."""
    later = 0
    for row in rows:
        if row.status != "new":
            continue
        recorded = record_event(check_event(_as_request(row.values), None), "import")
        later += recorded.event.arm == "later"
    counts = {"new": sum(r.status == "new" for r in rows), "update": 0,
              "unchanged": sum(r.status == "unchanged" for r in rows)}
    record("import.dossier_events", "import", None, filename=filename, invitations=later,
           **counts)
    return counts
