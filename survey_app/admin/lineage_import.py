"""The lineage import: which old unit became which new one, from when, and how.

One row per link predecessor → successor (docs/admin.md, "Phả hệ đơn vị"). Units are
named by their unit code or their official administrative code. Every row is checked
against the database and the rest of the file before anything is written; a cycle, an
unknown code, contradictory validity dates or a split without a rule is a row error,
and then nothing is applied (survey_app.admin.routes_imports does the preview/confirm).
"""

from __future__ import annotations

import re
from datetime import date

from flask_babel import gettext as _

from survey_app.admin.imports import RowPlan, _check_text, _extra_cells
from survey_app.admin.unit_validity import check_date, parse_date
from survey_app.admin.upload_reader import SourceRow
from survey_app.extensions import db
from survey_app.models import LINEAGE_CHANGES, Counter, LineageCounter, Unit, UnitLineage
from survey_app.services.audit import record
from survey_app.services.lineage import Link, find_cycle

COLUMNS = ("predecessor", "successor", "effective_date", "change")
OPTIONAL = ("counters", "note")


class _Units:
    """Units by unit code and by official code, as the file may name them."""

    def __init__(self):
        self.all = list(db.session.scalars(db.select(Unit)))
        self.by_id = {u.id: u for u in self.all}
        self.by_code = {u.code: u for u in self.all}
        self.by_admin = {u.admin_code: u for u in self.all if u.admin_code}

    def find(self, row: RowPlan, column: str) -> Unit | None:
        code = _check_text(row, column, True, 32)
        if not code:
            return None
        by_code, by_admin = self.by_code.get(code), self.by_admin.get(code)
        if by_code and by_admin and by_code is not by_admin:
            row.error(column, _("mã \"%(code)s\" vừa là mã đơn vị của %(a)s vừa là mã đơn vị "
                                "hành chính của %(b)s; hãy dùng mã khác để phân biệt.",
                                code=code, a=by_code.code, b=by_admin.code))
            return None
        unit = by_code or by_admin
        if unit is None:
            row.error(column, _("không có đơn vị mã \"%(code)s\" (mã đơn vị hoặc mã đơn vị "
                                "hành chính) trong hệ thống.", code=code))
        return unit


def _split_codes(text: str) -> list[str]:
    return [c for c in re.split(r"[\s|]+", text or "") if c]


def plan_lineage(source: list[SourceRow]) -> list[RowPlan]:
    units = _Units()
    counters: dict[int, dict[str, Counter]] = {}
    for c in db.session.scalars(db.select(Counter)):
        counters.setdefault(c.unit_id, {})[c.code] = c
    stored = {(lk.predecessor_id, lk.successor_id): lk
              for lk in db.session.scalars(db.select(UnitLineage))}
    stored_rule = {}
    for lineage_id, counter_id in db.session.execute(
            db.select(LineageCounter.lineage_id, LineageCounter.counter_id)):
        stored_rule.setdefault(lineage_id, set()).add(counter_id)

    rows = [RowPlan(s.line, dict(s.values)) for s in source]
    parsed: dict[int, tuple[Unit, Unit, date, str, frozenset[int]]] = {}
    first_line: dict[tuple[int, int], int] = {}
    for row in rows:
        _extra_cells(row)
        pred, succ = units.find(row, "predecessor"), units.find(row, "successor")
        effective = check_date(row, "effective_date", True)
        change = row.values.get("change", "").strip().lower()
        if not change:
            row.error("change", _("bắt buộc, đang để trống."))
        elif change not in LINEAGE_CHANGES:
            row.error("change", _("giá trị \"%(value)s\" không hợp lệ; chọn một trong: "
                                  "%(allowed)s.", value=row.values["change"],
                                  allowed=", ".join(LINEAGE_CHANGES)))
        _check_text(row, "note", False, 300)
        rule: set[int] = set()
        codes = _split_codes(row.values.get("counters", ""))
        if change == "split" and not codes:
            row.error("counters", _("chia tách cần quy tắc: ghi mã các quầy (hoặc điểm tiếp "
                                    "nhận) của đơn vị cũ chuyển sang đơn vị này."))
        elif codes and change != "split":
            row.error("counters", _("chỉ ghi quầy khi chia tách (change = split)."))
        elif pred is not None:
            own = counters.get(pred.id, {})
            for code in codes:
                if code not in own:
                    row.error("counters", _("đơn vị %(unit)s không có quầy mã \"%(code)s\".",
                                            unit=pred.code, code=code))
                else:
                    rule.add(own[code].id)
        if pred is not None and succ is not None:
            if pred is succ:
                row.error("successor", _("một đơn vị không thể kế thừa chính nó (vòng lặp)."))
            elif (pred.id, succ.id) in first_line:
                row.error("successor", _("cặp đơn vị này trùng với dòng %(other)d của tệp.",
                                         other=first_line[(pred.id, succ.id)]))
            else:
                first_line[(pred.id, succ.id)] = row.line
        if row.status != "error":
            parsed[row.line] = (pred, succ, effective, change, frozenset(rule))
            _check_dates(row, pred, succ, effective)

    _check_links(rows, parsed, stored, stored_rule)
    for row in rows:
        if row.status == "error":
            continue
        pred, succ, effective, change, rule = parsed[row.line]
        old = stored.get((pred.id, succ.id))
        wanted = {"effective_date": effective.isoformat(), "change": change,
                  "counters": " ".join(sorted(c.code for c in counters.get(pred.id, {}).values()
                                              if c.id in rule)),
                  "note": row.values.get("note") or ""}
        if old is not None:
            current = {"effective_date": old.effective_date.isoformat(), "change": old.change,
                       "counters": " ".join(sorted(c.code for c in counters.get(pred.id, {})
                                                   .values()
                                                   if c.id in stored_rule.get(old.id, ()))),
                       "note": old.note or ""}
            row.changes = [f"{k}: {current[k] or '—'} → {wanted[k] or '—'}"
                           for k in wanted if current[k] != wanted[k]]
            row.status = "update" if row.changes else "unchanged"
        if pred.valid_to is None:
            row.changes.append(_("%(unit)s: hết hiệu lực từ %(day)s", unit=pred.code,
                                 day=effective.isoformat()))
            if row.status == "unchanged":
                row.status = "update"
    return rows


def _check_dates(row: RowPlan, pred: Unit, succ: Unit, effective: date) -> None:
    """The predecessor ends on the effective date, the successor exists on it."""
    if pred.valid_to is not None and pred.valid_to != effective:
        row.error("effective_date", _(
            "thời gian hiệu lực chồng lấn: %(unit)s có hiệu lực đến %(to)s, khác ngày hiệu "
            "lực %(day)s của thay đổi.", unit=pred.code, to=pred.valid_to.isoformat(),
            day=effective.isoformat()))
    if pred.valid_from is not None and pred.valid_from >= effective:
        row.error("effective_date", _(
            "thời gian hiệu lực chồng lấn: %(unit)s chỉ bắt đầu có hiệu lực từ %(since)s, "
            "không thể kết thúc ngày %(day)s.", unit=pred.code,
            since=pred.valid_from.isoformat(), day=effective.isoformat()))
    if not succ.valid_on(effective):
        row.error("effective_date", _(
            "thời gian hiệu lực chồng lấn: đơn vị kế thừa %(unit)s không có hiệu lực vào "
            "ngày %(day)s (hiệu lực %(since)s – %(to)s).", unit=succ.code,
            day=effective.isoformat(), since=succ.valid_from or "…", to=succ.valid_to or "…"))


def _check_links(rows, parsed, stored, stored_rule) -> None:
    """Links as a whole: one end date per unit, one successor unless split, ≥ 2 for a
    split, each counter to one successor, no cycle (the file together with the database)."""
    links: dict[tuple[int, int], tuple[Link, RowPlan | None]] = {}
    for lk in stored.values():
        links[(lk.predecessor_id, lk.successor_id)] = (Link(
            lk.predecessor_id, lk.successor_id, lk.effective_date, lk.change,
            frozenset(stored_rule.get(lk.id, ()))), None)
    by_line = {r.line: r for r in rows}
    for line, (pred, succ, effective, change, rule) in parsed.items():
        links[(pred.id, succ.id)] = (Link(pred.id, succ.id, effective, change, rule),
                                     by_line[line])
    outgoing: dict[int, list[tuple[Link, RowPlan | None]]] = {}
    for link, row in links.values():
        outgoing.setdefault(link.predecessor, []).append((link, row))
    for out in outgoing.values():
        file_rows = [r for _lk, r in out if r is not None and r.status != "error"]
        dates = sorted({lk.effective.isoformat() for lk, _r in out})
        if len(dates) > 1:
            for r in file_rows:
                r.error("effective_date", _("thời gian hiệu lực chồng lấn: cùng một đơn vị cũ "
                                            "kết thúc vào nhiều ngày khác nhau (%(days)s).",
                                            days=", ".join(dates)))
        kinds = {lk.change for lk, _r in out}
        if len(out) > 1 and kinds != {"split"}:
            for r in file_rows:
                r.error("change", _("chỉ khi chia tách (split) một đơn vị cũ mới có nhiều đơn "
                                    "vị kế thừa; các dòng của đơn vị này ghi: %(kinds)s.",
                                    kinds=", ".join(sorted(kinds))))
        elif kinds == {"split"} and len(out) < 2:
            for r in file_rows:
                r.error("change", _("chia tách cần ít nhất hai đơn vị kế thừa."))
        seen: dict[int, int] = {}
        for lk, r in out:
            for counter_id in lk.counters:
                if counter_id in seen and seen[counter_id] != lk.successor and r is not None:
                    r.error("counters", _("một quầy được giao cho hai đơn vị kế thừa."))
                seen[counter_id] = lk.successor
    cycle = find_cycle(lk for lk, _r in links.values())
    if cycle:
        path = " → ".join(_code(u) for u in cycle)
        for line, (pred, *_rest) in parsed.items():
            # A cycle is named even on a row that has other errors: it is the real cause.
            if pred.id in cycle:
                by_line[line].error("successor", _("tạo thành vòng lặp phả hệ (%(path)s).",
                                                   path=path))


def _code(unit_id: int) -> str:
    unit = db.session.get(Unit, unit_id)
    return unit.code if unit else str(unit_id)


def apply_lineage(rows: list[RowPlan], filename: str) -> dict[str, int]:
    units = _Units()
    stored = {(lk.predecessor_id, lk.successor_id): lk
              for lk in db.session.scalars(db.select(UnitLineage))}
    for row in rows:
        if row.status not in ("new", "update"):
            continue
        v = row.values
        pred = units.by_code.get(v["predecessor"]) or units.by_admin[v["predecessor"]]
        succ = units.by_code.get(v["successor"]) or units.by_admin[v["successor"]]
        effective = parse_date(v["effective_date"])
        link = stored.get((pred.id, succ.id))
        if link is None:
            link = UnitLineage(predecessor_id=pred.id, successor_id=succ.id)
            db.session.add(link)
        link.effective_date, link.change = effective, v["change"].strip().lower()
        link.note = v.get("note") or None
        own = {c.code: c.id for c in db.session.scalars(db.select(Counter)
                                                        .filter_by(unit_id=pred.id))}
        link.counters = [LineageCounter(counter_id=own[c])
                         for c in sorted(set(_split_codes(v.get("counters", ""))))]
        if pred.valid_to is None:
            pred.valid_to = effective
        db.session.flush()
        record("lineage.create" if row.status == "new" else "lineage.update", "unit_lineage",
               link.id, predecessor=pred.code, successor=succ.code, change=link.change,
               effective=effective.isoformat(), via="import", changes=row.changes or None)
    counts = {"new": sum(r.status == "new" for r in rows),
              "update": sum(r.status == "update" for r in rows),
              "unchanged": sum(r.status == "unchanged" for r in rows)}
    record("import.lineage", "import", None, filename=filename, **counts)
    return counts
