"""Unit and dossier-volume imports: check every row against the database, then apply all
of them in one transaction, or nothing.

Why split from the views: the same plan is built twice, at preview and again at
confirmation (the database may have changed in between), and tests drive it directly.
The uploaded file travels from preview to confirmation inside a signed, user-bound,
expiring hidden field, so no temporary file can leak between users or workers.
"""

from __future__ import annotations

import base64
import hashlib
import re
import unicodedata
import zlib
from dataclasses import dataclass, field
from datetime import date

from flask import current_app
from flask_babel import gettext as _
from itsdangerous import BadSignature, URLSafeTimedSerializer

from analysis.periods import checked_period, period_bounds
from survey_app.admin.unit_validity import check_admin_codes, check_validity, parse_date
from survey_app.admin.upload_reader import SourceRow, TableError, read_table
from survey_app.extensions import db
from survey_app.models import UNIT_KINDS, UNIT_LEVELS, DossierVolume, Field, Unit
from survey_app.services.audit import record
from survey_app.web.inputs import whole_number

UNIT_COLUMNS = ("code", "name_vi", "kind", "level")
UNIT_OPTIONAL = ("name_en", "parent_code", "admin_code", "valid_from", "valid_to")
# Columns that, when absent from the file, keep the stored value (older files lack them).
KEEP_WHEN_ABSENT = ("admin_code", "valid_from", "valid_to")
VOLUME_COLUMNS = ("unit_code", "field_code", "period", "received")
CODE_RE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]{0,31}$")
TOKEN_MAX_AGE = 2 * 3600
MAX_TOKEN_CHARS = 450_000  # below Flask's 500 kB in-memory form-field limit


@dataclass
class RowPlan:
    """What will happen to one row: new, update, unchanged or error (with the reasons)."""

    line: int
    values: dict[str, str]
    status: str = "new"
    errors: list[str] = field(default_factory=list)
    changes: list[str] = field(default_factory=list)

    def error(self, column: str, message: str) -> None:
        self.status = "error"
        self.errors.append(_("Dòng %(line)d, cột %(column)s: %(message)s",
                             line=self.line, column=column, message=message))


@dataclass
class ImportPlan:
    kind: str  # "units" or "volumes"
    filename: str
    rows: list[RowPlan] = field(default_factory=list)
    file_error: str | None = None

    @property
    def ok(self) -> bool:
        return self.file_error is None and bool(self.rows) and not self.error_rows

    @property
    def error_rows(self) -> list[RowPlan]:
        return [r for r in self.rows if r.status == "error"]

    def count(self, status: str) -> int:
        return sum(1 for r in self.rows if r.status == status)

    def fingerprint(self) -> str:
        """Short digest of the row statuses, to notice a database change before applying."""
        text = "|".join(f"{r.line}:{r.status}" for r in self.rows)
        return hashlib.sha256(text.encode()).hexdigest()[:16]


# --- the signed hidden field ---------------------------------------------------------

def _serializer() -> URLSafeTimedSerializer:
    return URLSafeTimedSerializer(current_app.config["SECRET_KEY"], salt="admin-import-v1")


def sign_upload(kind: str, user_id: int, filename: str, data: bytes) -> str | None:
    """The file, compressed and signed for this user; None when too big for a form field."""
    packed = base64.b64encode(zlib.compress(data, 9)).decode("ascii")
    token = _serializer().dumps({"k": kind, "u": user_id, "n": filename[:200], "d": packed})
    return token if len(token) <= MAX_TOKEN_CHARS else None


def unsign_upload(token: str, kind: str, user_id: int) -> tuple[str, bytes] | None:
    """(filename, bytes) of a token this user got at preview; None when forged or stale."""
    try:
        payload = _serializer().loads(token, max_age=TOKEN_MAX_AGE)
        if payload["k"] != kind or payload["u"] != user_id:
            return None
        return payload["n"], zlib.decompress(base64.b64decode(payload["d"]))
    except (BadSignature, KeyError, TypeError, ValueError, zlib.error):
        return None


# --- units ---------------------------------------------------------------------------

def _check_text(row: RowPlan, column: str, required: bool, limit: int) -> str | None:
    value = row.values.get(column, "")
    if not value:
        if required:
            row.error(column, _("bắt buộc, đang để trống."))
        return None
    if len(value) > limit:
        row.error(column, _("dài quá %(n)d ký tự.", n=limit))
    if any(unicodedata.category(c) == "Cc" for c in value):
        # NUL, escape sequences, line breaks inside a quoted cell: never part of a name,
        # and PostgreSQL refuses to store NUL at all (the confirmation was a 500).
        row.error(column, _("có ký tự điều khiển không hợp lệ (ví dụ ký tự NUL hoặc xuống "
                            "dòng)."))
    return value


def _check_code(row: RowPlan, column: str) -> str | None:
    value = _check_text(row, column, True, 32)
    if value and not CODE_RE.match(value):
        row.error(column, _("mã \"%(code)s\" chỉ được gồm chữ không dấu, số, dấu chấm, gạch "
                            "ngang, gạch dưới.", code=value))
    return value


def _check_choice(row: RowPlan, column: str, allowed: tuple[str, ...]) -> str | None:
    value = row.values.get(column, "").lower()
    if not value:
        row.error(column, _("bắt buộc, đang để trống."))
        return None
    if value not in allowed:
        row.error(column, _("giá trị \"%(value)s\" không hợp lệ; chọn một trong: %(allowed)s.",
                            value=row.values[column], allowed=", ".join(allowed)))
        return None
    return value


def _extra_cells(row: RowPlan) -> None:
    if row.values.pop("__extra__", None):
        row.error("—", _("có nhiều ô hơn số cột tiêu đề."))


def plan_units(source: list[SourceRow]) -> list[RowPlan]:
    """Check unit rows: codes, names, kind, level, parent (in the file or the database)."""
    existing = {u.code: u for u in db.session.scalars(db.select(Unit))}
    by_id = {u.id: u for u in existing.values()}
    rows = [RowPlan(s.line, dict(s.values)) for s in source]
    first_line: dict[str, int] = {}
    for row in rows:
        _extra_cells(row)
        code = _check_code(row, "code")
        _check_text(row, "name_vi", True, 200)
        _check_text(row, "name_en", False, 200)
        kind = _check_choice(row, "kind", UNIT_KINDS)
        level = _check_choice(row, "level", UNIT_LEVELS)
        check_validity(row, existing.get(code or ""), kind, level)
        if code:
            if code in first_line:
                row.error("code", _("mã \"%(code)s\" trùng với dòng %(other)d của tệp.",
                                    code=code, other=first_line[code]))
            else:
                first_line[code] = row.line

    # The tree after the import: the database's parents, overridden by the file's rows.
    parent_of = {u.code: (by_id[u.parent_id].code if u.parent_id in by_id else None)
                 for u in existing.values()}
    for row in rows:
        code = row.values.get("code", "")
        if code and first_line.get(code) == row.line:
            parent_of[code] = row.values.get("parent_code") or None
    for row in rows:
        code, parent = row.values.get("code", ""), row.values.get("parent_code", "")
        if not parent:
            continue
        if parent == code:
            row.error("parent_code", _("một đơn vị không thể là cấp trên của chính nó."))
        elif parent not in existing and parent not in first_line:
            row.error("parent_code", _("không có đơn vị mã \"%(code)s\" trong hệ thống hay "
                                       "trong tệp.", code=parent))
        elif code and first_line.get(code) == row.line and _in_cycle(code, parent_of):
            row.error("parent_code", _("tạo thành vòng lặp cấp trên – cấp dưới (%(path)s).",
                                       path=" → ".join(_cycle_path(code, parent_of))))

    check_admin_codes(rows, existing)
    for row in rows:
        if row.status == "error":
            continue
        unit = existing.get(row.values["code"])
        if unit is None:
            continue
        wanted = _unit_values(row, unit)
        current = _stored_values(unit, by_id)
        row.changes = [f"{k}: {current[k] or '—'} → {wanted[k] or '—'}"
                       for k in current if current[k] != wanted[k]]
        row.status = "update" if row.changes else "unchanged"
    return rows


def _in_cycle(code: str, parent_of: dict[str, str | None]) -> bool:
    seen, node = set(), parent_of.get(code)
    while node is not None and node not in seen:
        if node == code:
            return True
        seen.add(node)
        node = parent_of.get(node)
    return False


def _cycle_path(code: str, parent_of: dict[str, str | None]) -> list[str]:
    path, node = [code], parent_of.get(code)
    while node is not None and node != code and len(path) < 20:
        path.append(node)
        node = parent_of.get(node)
    return path + [code]


def _stored_values(unit: Unit, by_id: dict[int, Unit]) -> dict[str, str | None]:
    return {"name_vi": unit.name_vi, "name_en": unit.name_en, "kind": unit.kind,
            "level": unit.level,
            "parent_code": by_id[unit.parent_id].code if unit.parent_id else None,
            "admin_code": unit.admin_code,
            "valid_from": unit.valid_from.isoformat() if unit.valid_from else None,
            "valid_to": unit.valid_to.isoformat() if unit.valid_to else None}


def _unit_values(row: RowPlan, unit: Unit | None = None) -> dict[str, str | None]:
    """What the row asks for; a validity or official-code column missing from the file
    keeps the stored value."""
    v = row.values
    out = {"name_vi": v["name_vi"], "name_en": v.get("name_en") or None,
           "kind": v["kind"].lower(), "level": v["level"].lower(),
           "parent_code": v.get("parent_code") or None}
    for column in KEEP_WHEN_ABSENT:
        if column in v:
            text = v[column] or None
            day = parse_date(text) if text and column != "admin_code" else None
            out[column] = day.isoformat() if day else text
        else:
            stored = getattr(unit, column, None) if unit is not None else None
            out[column] = stored.isoformat() if hasattr(stored, "isoformat") else stored
    return out


def apply_units(rows: list[RowPlan], filename: str) -> dict[str, int]:
    """Create and update the units of a checked plan, in the caller's transaction."""
    units = {u.code: u for u in db.session.scalars(db.select(Unit))}
    todo = [r for r in rows if r.status in ("new", "update")]
    for row in todo:
        unit = units.get(row.values["code"])
        values = _unit_values(row, unit)
        if unit is None:
            unit = Unit(code=row.values["code"], active=True, publish_results=False)
            db.session.add(unit)
            units[unit.code] = unit
        for key in ("name_vi", "name_en", "kind", "level", "admin_code"):
            setattr(unit, key, values[key])
        for key in ("valid_from", "valid_to"):
            setattr(unit, key, date.fromisoformat(values[key]) if values[key] else None)
    db.session.flush()  # ids for the new units, so parents can point at them
    for row in todo:
        unit = units[row.values["code"]]
        parent_code = _unit_values(row)["parent_code"]
        unit.parent_id = units[parent_code].id if parent_code else None
    db.session.flush()
    for row in todo:
        unit = units[row.values["code"]]
        record("unit.create" if row.status == "new" else "unit.update", "unit", unit.id,
               code=unit.code, via="import", changes=row.changes or None)
    counts = {"new": sum(r.status == "new" for r in rows),
              "update": sum(r.status == "update" for r in rows),
              "unchanged": sum(r.status == "unchanged" for r in rows)}
    record("import.units", "import", None, filename=filename, **counts)
    return counts


# --- dossier volumes -----------------------------------------------------------------

def plan_volumes(source: list[SourceRow]) -> list[RowPlan]:
    """Check volume rows: known unit and field, a valid period label, received ≥ 0."""
    units = {code: uid for uid, code in db.session.execute(db.select(Unit.id, Unit.code))}
    fields = {code: fid for fid, code in db.session.execute(db.select(Field.id, Field.code))}
    stored = {(v.unit_id, v.field_id, v.period): v.received
              for v in db.session.scalars(db.select(DossierVolume))}
    rows = [RowPlan(s.line, dict(s.values)) for s in source]
    seen: dict[tuple[str, str, str], int] = {}
    for row in rows:
        _extra_cells(row)
        v = row.values
        unit_code, field_code = v.get("unit_code", ""), v.get("field_code", "")
        period = v.get("period", "").strip().upper()
        if not unit_code:
            row.error("unit_code", _("bắt buộc, đang để trống."))
        elif unit_code not in units:
            row.error("unit_code", _("không có đơn vị mã \"%(code)s\".", code=unit_code))
        if not field_code:
            row.error("field_code", _("bắt buộc, đang để trống."))
        elif field_code not in fields:
            row.error("field_code", _("không có lĩnh vực mã \"%(code)s\".", code=field_code))
        if not period:
            row.error("period", _("bắt buộc, đang để trống."))
        else:
            try:
                checked_period(period)
                v["period"] = period
            except ValueError:
                row.error("period", _("kỳ \"%(p)s\" không hợp lệ (ví dụ: 2026-Q1, 2026-H1, "
                                      "2026-9M, 2026-Y, 2026-M03, 2026-CQ2, 2026-CY).",
                                      p=v.get("period")))
        received = v.get("received", "").replace(" ", "")
        if not received:
            row.error("received", _("bắt buộc, đang để trống."))
        elif not (received.isascii() and received.isdigit()):  # "²".isdigit() is True
            row.error("received", _("\"%(value)s\" không phải số nguyên không âm.",
                                    value=v.get("received")))
        elif whole_number(received, maximum=100_000_000) is None:
            row.error("received", _("số hồ sơ quá lớn."))
        else:
            v["received"] = str(int(received))
        key = (unit_code, field_code, v.get("period", ""))
        if row.status != "error":
            if key in seen:
                row.error("period", _("trùng đơn vị, lĩnh vực và kỳ với dòng %(other)d.",
                                      other=seen[key]))
                continue
            seen[key] = row.line
            old = stored.get((units[unit_code], fields[field_code], v["period"]))
            if old is not None:
                row.status = "unchanged" if old == int(v["received"]) else "update"
                if row.status == "update":
                    row.changes = [f"received: {old} → {v['received']}"]
    return rows


def apply_volumes(rows: list[RowPlan], filename: str) -> dict[str, int]:
    """Insert and update the volumes of a checked plan, in the caller's transaction."""
    units = {code: uid for uid, code in db.session.execute(db.select(Unit.id, Unit.code))}
    fields = {code: fid for fid, code in db.session.execute(db.select(Field.id, Field.code))}
    stored = {(v.unit_id, v.field_id, v.period): v
              for v in db.session.scalars(db.select(DossierVolume))}
    for row in rows:
        if row.status not in ("new", "update"):
            continue
        v = row.values
        key = (units[v["unit_code"]], fields[v["field_code"]], v["period"])
        volume = stored.get(key)
        old = volume.received if volume else None
        if volume is None:
            start, end = period_bounds(v["period"])
            volume = DossierVolume(unit_id=key[0], field_id=key[1], period=v["period"],
                                   period_start=start, period_end=end)
            db.session.add(volume)
        volume.received = int(v["received"])
        db.session.flush()
        record("volume.create" if old is None else "volume.update", "dossier_volume",
               volume.id, unit=v["unit_code"], field=v["field_code"], period=v["period"],
               received=volume.received, previous=old, via="import")
    counts = {"new": sum(r.status == "new" for r in rows),
              "update": sum(r.status == "update" for r in rows),
              "unchanged": sum(r.status == "unchanged" for r in rows)}
    record("import.volumes", "import", None, filename=filename, **counts)
    return counts


KINDS = {
    "units": (UNIT_COLUMNS, UNIT_OPTIONAL, plan_units, apply_units),
    "volumes": (VOLUME_COLUMNS, (), plan_volumes, apply_volumes),
}

# The lineage import builds on the row checks above (RowPlan, _check_text).
from survey_app.admin import lineage_import  # noqa: E402

KINDS["lineage"] = (lineage_import.COLUMNS, lineage_import.OPTIONAL,
                    lineage_import.plan_lineage, lineage_import.apply_lineage)

from survey_app.admin import event_import  # noqa: E402

KINDS["events"] = (event_import.COLUMNS, event_import.OPTIONAL, event_import.plan_events,
                   event_import.apply_events)


def build_plan(kind: str, filename: str, data: bytes) -> ImportPlan:
    """Read the file and check every row; never changes the database."""
    required, optional, planner, _apply = KINDS[kind]
    plan = ImportPlan(kind, filename)
    try:
        source = read_table(filename, data, required, optional)
    except TableError as exc:
        plan.file_error = str(exc)
        return plan
    plan.rows = planner(source)
    return plan


def apply_plan(plan: ImportPlan) -> dict[str, int]:
    """Apply a plan with no errors (the caller commits, or rolls back on failure)."""
    assert plan.ok
    return KINDS[plan.kind][3](plan.rows, plan.filename)
