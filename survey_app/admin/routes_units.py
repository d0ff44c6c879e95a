"""Units (the tree of đơn vị) and fields of procedures: list, create, edit, deactivate.

A unit is never deleted once anything refers to it (responses, counters, users,
volumes, children): it is deactivated instead, so history keeps its meaning.
"""

from __future__ import annotations

import sqlalchemy as sa
from flask import flash, make_response, redirect, render_template, request, url_for
from flask_babel import gettext as _

from survey_app.admin import bp
from survey_app.admin.common import get_or_404, int_or_none, unit_choices, unit_tree
from survey_app.admin.forms import KIND_LABELS, LEVEL_LABELS, ActionForm, UnitForm, later_share
from survey_app.admin.unit_validity import parse_date
from survey_app.extensions import db
from survey_app.models import (
    Counter,
    DossierVolume,
    Response,
    Unit,
    UnitLineage,
    User,
    district_outlives_reform,
)
from survey_app.services.audit import record
from survey_app.services.credentials import issue_unit_key, revoke_unit_key
from survey_app.services.receipts import link_reconciliation, links_issued_since
from survey_app.services.scoping import subtree_ids

UNIT_FIELDS = ("code", "name_vi", "name_en", "kind", "level", "parent_id", "publish_results",
               "admin_code", "valid_from", "valid_to", "invite_later_share")


def _counts(column) -> dict[int, int]:
    rows = db.session.execute(sa.select(column, sa.func.count()).group_by(column))
    return {k: n for k, n in rows if k is not None}


@bp.get("/don-vi")
def units():
    return render_template(
        "admin/units.html", tree=unit_tree(), counters=_counts(Counter.unit_id),
        responses=_counts(Response.unit_id), kinds=KIND_LABELS, levels=LEVEL_LABELS,
        form=ActionForm())


def _unit_form(unit: Unit | None) -> UnitForm:
    form = UnitForm(obj=unit) if request.method == "GET" and unit else UnitForm()
    exclude = subtree_ids([unit.id]) if unit else frozenset()
    form.parent_id.choices = unit_choices(_("— Không có (đơn vị cấp cao nhất) —"), exclude)
    if request.method == "GET" and unit:
        form.parent_id.data = str(unit.parent_id or "")
        form.valid_from.data = unit.valid_from.isoformat() if unit.valid_from else ""
        form.valid_to.data = unit.valid_to.isoformat() if unit.valid_to else ""
        form.invite_later_percent.data = f"{(unit.invite_later_share or 0) * 100:g}"
    return form


def _dates(form: UnitForm) -> dict:
    """The form's official code, validity and later-invitation share as stored values
    (validated by the form)."""
    return {"admin_code": (form.admin_code.data or "").strip() or None,
            "valid_from": parse_date(form.valid_from.data or ""),
            "valid_to": parse_date(form.valid_to.data or ""),
            "invite_later_share": later_share(form.invite_later_percent.data)}


def _check_unit(form: UnitForm, unit: Unit | None) -> bool:
    """Database checks: unique code; the parent exists and is not the unit or below it."""
    ok = True
    code = form.code.data.strip()
    other = db.session.scalar(sa.select(Unit).filter_by(code=code))
    if other is not None and other is not unit:
        form.code.errors.append(_("Mã đơn vị \"%(code)s\" đã được dùng.", code=code))
        ok = False
    values = _dates(form)
    if values["admin_code"]:
        holder = db.session.scalar(sa.select(Unit).filter_by(admin_code=values["admin_code"]))
        if holder is not None and holder is not unit:
            form.admin_code.errors.append(_("Mã đơn vị hành chính \"%(code)s\" đã là của đơn "
                                            "vị %(unit)s.", code=values["admin_code"],
                                            unit=holder.code))
            ok = False
    if values["valid_from"] and values["valid_to"] and values["valid_from"] >= values["valid_to"]:
        form.valid_to.errors.append(_("Ngày thôi có hiệu lực phải sau ngày bắt đầu hiệu lực."))
        ok = False
    if district_outlives_reform(form.kind.data, form.level.data, values["valid_to"]):
        form.valid_to.errors.append(_("Cấp huyện đã bỏ từ ngày 01/07/2025: đơn vị cấp huyện "
                                      "chỉ được lưu như lịch sử, thôi có hiệu lực từ "
                                      "2025-07-01 hoặc sớm hơn."))
        ok = False
    parent_id = int_or_none(form.parent_id.data)
    if form.parent_id.data and parent_id is None:
        form.parent_id.errors.append(_("Vui lòng chọn một giá trị trong danh sách."))
        return False
    if parent_id is not None:
        if db.session.get(Unit, parent_id) is None:
            form.parent_id.errors.append(_("Đơn vị cấp trên không tồn tại."))
            ok = False
        elif unit is not None and parent_id in subtree_ids([unit.id]):
            form.parent_id.errors.append(_("Không thể chọn chính đơn vị này hoặc một đơn vị "
                                           "cấp dưới của nó làm cấp trên."))
            ok = False
    return ok


def _snapshot(unit: Unit) -> dict:
    """The audited values (dates as ISO text: the audit detail is JSON)."""
    return {k: (v.isoformat() if hasattr(v, "isoformat") else v)
            for k in UNIT_FIELDS for v in [getattr(unit, k)]}


@bp.route("/don-vi/them", methods=["GET", "POST"])
def unit_new():
    form = _unit_form(None)
    if form.validate_on_submit() and _check_unit(form, None):
        unit = Unit(code=form.code.data.strip(), name_vi=form.name_vi.data.strip(),
                    name_en=(form.name_en.data or "").strip() or None, kind=form.kind.data,
                    level=form.level.data, parent_id=int_or_none(form.parent_id.data),
                    publish_results=form.publish_results.data, active=True, **_dates(form))
        db.session.add(unit)
        db.session.flush()
        record("unit.create", "unit", unit.id, **_snapshot(unit))
        db.session.commit()
        flash(_("Đã thêm đơn vị %(name)s.", name=unit.name_vi), "info")
        return redirect(url_for("admin.units"))
    return render_template("admin/unit_form.html", form=form, unit=None), (
        422 if request.method == "POST" else 200)


@bp.route("/don-vi/<int:unit_id>", methods=["GET", "POST"])
def unit_edit(unit_id: int):
    unit = get_or_404(Unit, unit_id)
    form = _unit_form(unit)
    if form.validate_on_submit() and _check_unit(form, unit):
        before = _snapshot(unit)
        unit.code = form.code.data.strip()
        unit.name_vi = form.name_vi.data.strip()
        unit.name_en = (form.name_en.data or "").strip() or None
        unit.kind, unit.level = form.kind.data, form.level.data
        unit.parent_id = int_or_none(form.parent_id.data)
        unit.publish_results = form.publish_results.data
        for key, value in _dates(form).items():
            setattr(unit, key, value)
        after = _snapshot(unit)
        changes = {k: [before[k], after[k]] for k in UNIT_FIELDS if before[k] != after[k]}
        if changes:
            record("unit.update", "unit", unit.id, code=unit.code, changes=changes)
            db.session.commit()
            flash(_("Đã lưu thay đổi của đơn vị %(name)s.", name=unit.name_vi), "info")
        else:
            flash(_("Không có gì thay đổi."), "info")
        return redirect(url_for("admin.units"))
    counters = db.session.scalars(sa.select(Counter).filter_by(unit_id=unit.id)
                                  .order_by(Counter.code)).all()
    return render_template("admin/unit_form.html", form=form, unit=unit, counters=counters,
                           action_form=ActionForm(), deletable=not _references(unit),
                           links=link_reconciliation(unit.id),
                           links_30_days=links_issued_since(unit.id, 30)), (
        422 if request.method == "POST" else 200)


@bp.post("/don-vi/<int:unit_id>/khoa-api")
def unit_key(unit_id: int):
    """Issue the unit's API key for the one-stop software, or rotate it (the old key stops
    working at once). The key is shown once; only its hash is stored."""
    unit = get_or_404(Unit, unit_id)
    if not ActionForm().validate_on_submit():
        return redirect(url_for("admin.unit_edit", unit_id=unit.id))
    rotated = unit.api_key_hash is not None
    record("unit.api_key_rotate" if rotated else "unit.api_key_issue", "unit", unit.id,
           code=unit.code, had_key=rotated)
    key = issue_unit_key(unit)  # commits, with the audit entry
    response = make_response(render_template("admin/unit_key.html", unit=unit, key=key,
                                             rotated=rotated))
    response.headers["Cache-Control"] = "no-store"
    return response


@bp.post("/don-vi/<int:unit_id>/khoa-api/thu-hoi")
def unit_key_revoke(unit_id: int):
    unit = get_or_404(Unit, unit_id)
    if ActionForm().validate_on_submit() and unit.api_key_hash:
        record("unit.api_key_revoke", "unit", unit.id, code=unit.code, had_key=True)
        revoke_unit_key(unit)  # commits, with the audit entry
        flash(_("Đã thu hồi khóa API của %(name)s: phần mềm một cửa không tạo được đường dẫn "
                "đánh giá cho đến khi có khóa mới.", name=unit.name_vi), "info")
    return redirect(url_for("admin.unit_edit", unit_id=unit.id))


@bp.post("/don-vi/<int:unit_id>/hoat-dong")
def unit_toggle(unit_id: int):
    unit = get_or_404(Unit, unit_id)
    if ActionForm().validate_on_submit():
        unit.active = not unit.active
        record("unit.activate" if unit.active else "unit.deactivate", "unit", unit.id,
               code=unit.code)
        db.session.commit()
        flash(_("Đơn vị %(name)s đã được kích hoạt lại.", name=unit.name_vi) if unit.active
              else _("Đơn vị %(name)s đã ngừng hoạt động.", name=unit.name_vi), "info")
    return redirect(request.form.get("back") == "edit"
                    and url_for("admin.unit_edit", unit_id=unit.id) or url_for("admin.units"))


def _references(unit: Unit) -> list[str]:
    """What still points at the unit, in words; empty when it may be deleted."""
    checks = [(Response.unit_id, _("phiếu khảo sát")), (Counter.unit_id, _("quầy")),
              (User.unit_id, _("tài khoản")), (DossierVolume.unit_id, _("số liệu hồ sơ")),
              (Unit.parent_id, _("đơn vị cấp dưới")),
              (Response.deciding_unit_id, _("phiếu khảo sát")),
              (UnitLineage.predecessor_id, _("phả hệ")), (UnitLineage.successor_id, _("phả hệ"))]
    found = []
    for column, label in checks:
        if label not in found and db.session.scalar(
                sa.select(sa.func.count()).where(column == unit.id)):
            found.append(label)
    return found


@bp.post("/don-vi/<int:unit_id>/xoa")
def unit_delete(unit_id: int):
    unit = get_or_404(Unit, unit_id)
    if not ActionForm().validate_on_submit():
        return redirect(url_for("admin.unit_edit", unit_id=unit.id))
    refs = _references(unit)
    if refs:
        flash(_("Không thể xóa đơn vị vì còn %(what)s gắn với nó. Hãy cho ngừng hoạt động "
                "thay vì xóa.", what=", ".join(refs)), "error")
        return render_template("admin/message.html", back=url_for("admin.unit_edit",
                                                                  unit_id=unit.id)), 409
    record("unit.delete", "unit", unit.id, **_snapshot(unit))
    db.session.delete(unit)
    db.session.commit()
    flash(_("Đã xóa đơn vị %(name)s.", name=unit.name_vi), "info")
    return redirect(url_for("admin.units"))
