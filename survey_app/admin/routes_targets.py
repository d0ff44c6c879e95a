"""CCHC plan targets per year and scope, and the dossier volumes behind weighted indices.

Targets are typed as percentages (as the plans write them) and stored as shares 0–1.
Volumes come in through the file import; this page lists and filters them.
"""

from __future__ import annotations

import sqlalchemy as sa
from flask import abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from sqlalchemy.orm import selectinload

from survey_app.admin import bp
from survey_app.admin.common import (
    PER_PAGE,
    apply_changes,
    get_or_404,
    int_or_none,
    page_number,
    unit_choices,
)
from survey_app.admin.forms import (
    METRIC_LABELS,
    SCOPE_LABELS,
    ActionForm,
    TargetForm,
)
from survey_app.extensions import db
from survey_app.models import UNIT_KINDS, DossierVolume, Field, Target
from survey_app.services.audit import record
from survey_app.web.inputs import whole_number

TARGET_FIELDS = ("year", "scope", "scope_code", "metric", "value", "source", "note")


@bp.get("/chi-tieu")
def targets():
    years = list(db.session.scalars(sa.select(Target.year).distinct().order_by(
        Target.year.desc())))
    year = int_or_none(request.args.get("nam"))
    query = sa.select(Target).order_by(Target.year.desc(), Target.scope, Target.scope_code,
                                       Target.metric)
    if year:
        query = query.where(Target.year == year)
    return render_template("admin/targets.html", rows=db.session.scalars(query).all(),
                           years=years, year=year, scopes=SCOPE_LABELS, metrics=METRIC_LABELS,
                           form=ActionForm())


def _check(form: TargetForm, target: Target | None) -> bool:
    """Scope code fits the scope; one target per (year, scope, code, metric)."""
    scope = form.scope.data
    code = (form.scope_code.data or "").strip() or None
    if scope == "overall" and code:
        form.scope_code.errors.append(_("Chỉ tiêu toàn địa phương không có mã phạm vi; "
                                        "hãy để trống."))
        return False
    known_field = code is not None and db.session.scalar(sa.select(Field.id).filter_by(code=code))
    if scope == "field" and not known_field:
        form.scope_code.errors.append(_("Hãy nhập một mã lĩnh vực có trong hệ thống (ví "
                                        "dụ: dat-dai)."))
        return False
    if scope == "unit_kind" and code not in UNIT_KINDS:
        form.scope_code.errors.append(_("Hãy nhập một loại đơn vị: %(kinds)s.",
                                        kinds=", ".join(UNIT_KINDS)))
        return False
    query = sa.select(Target).filter_by(year=whole_number(form.year.data), scope=scope, scope_code=code,
                                        metric=form.metric.data)
    other = db.session.scalar(query)
    if other is not None and other is not target:
        form.year.errors.append(_("Đã có chỉ tiêu cho năm, phạm vi và nội dung này (%(v)s%%). "
                                  "Hãy sửa chỉ tiêu đó thay vì thêm mới.",
                                  v=f"{other.value * 100:g}"))
        return False
    return True


@bp.route("/chi-tieu/them", methods=["GET", "POST"], defaults={"target_id": None})
@bp.route("/chi-tieu/<int:target_id>", methods=["GET", "POST"])
def target_edit(target_id: int | None):
    target = get_or_404(Target, target_id) if target_id else None
    form = TargetForm(obj=target) if request.method == "GET" and target else TargetForm()
    if request.method == "GET" and target:
        form.year.data, form.value.data = str(target.year), f"{target.value * 100:g}"
    if form.validate_on_submit() and _check(form, target):
        new = target is None
        target = target or Target()
        values = {"year": whole_number(form.year.data), "scope": form.scope.data,
                  "scope_code": (form.scope_code.data or "").strip() or None,
                  "metric": form.metric.data, "value": form.share,
                  "source": form.source.data.strip(), "note": form.note.data or None}
        changes = apply_changes(target, values)
        db.session.add(target)
        db.session.flush()
        if changes:
            record("target.create" if new else "target.update", "target", target.id,
                   changes=changes)
        db.session.commit()
        flash(_("Đã lưu chỉ tiêu năm %(year)d.", year=target.year), "info")
        return redirect(url_for("admin.targets", nam=target.year))
    return render_template("admin/target_form.html", form=form, target=target,
                           kinds=UNIT_KINDS), (422 if request.method == "POST" else 200)


@bp.post("/chi-tieu/<int:target_id>/xoa")
def target_delete(target_id: int):
    target = get_or_404(Target, target_id)
    if not ActionForm().validate_on_submit():
        abort(400)
    record("target.delete", "target", target.id,
           **{k: getattr(target, k) for k in TARGET_FIELDS})
    db.session.delete(target)
    db.session.commit()
    flash(_("Đã xóa chỉ tiêu."), "info")
    return redirect(url_for("admin.targets"))


@bp.get("/so-lieu-ho-so")
def volumes():
    query = (sa.select(DossierVolume)
             .options(selectinload(DossierVolume.unit), selectinload(DossierVolume.field))
             .order_by(DossierVolume.period_start.desc(), DossierVolume.unit_id,
                       DossierVolume.field_id))
    unit_id = int_or_none(request.args.get("unit"))
    period = (request.args.get("ky") or "").strip().upper()
    if unit_id:
        query = query.where(DossierVolume.unit_id == unit_id)
    if period:
        query = query.where(DossierVolume.period == period)
    page = db.paginate(query, page=page_number(), per_page=PER_PAGE, error_out=False)
    periods = db.session.scalars(sa.select(DossierVolume.period).distinct()
                                 .order_by(DossierVolume.period.desc()))
    return render_template("admin/volumes.html", page=page, units=unit_choices(_("Tất cả")),
                           unit_id=unit_id, period=period, periods=list(periods))
