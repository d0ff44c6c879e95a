"""Counters (quầy) of the units, with links to their QR codes and posters.

The slug is generated, never typed: it is what makes a poster's link unguessable.
Regenerating it retires every printed poster of the counter, so the page says so.
"""

from __future__ import annotations

import sqlalchemy as sa
from flask import abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from sqlalchemy.orm import selectinload

from survey_app.admin import bp
from survey_app.admin.common import (
    field_choices,
    get_or_404,
    instrument_choices,
    int_or_none,
    unit_choices,
)
from survey_app.admin.forms import ActionForm, CounterForm
from survey_app.extensions import db
from survey_app.models import Counter, Field, InstrumentVersion, Unit
from survey_app.models.organisation import new_slug, new_verify_code
from survey_app.services.audit import record
from survey_app.services.qr import counter_url

COUNTER_FIELDS = ("code", "name_vi", "name_en", "field_id", "instrument_version_id", "active")


@bp.get("/quay")
def counters():
    unit_id = int_or_none(request.args.get("unit"))
    query = (sa.select(Counter).join(Unit).options(selectinload(Counter.unit),
                                                   selectinload(Counter.field))
             .order_by(Unit.code, Counter.code))
    if unit_id:
        query = query.where(Counter.unit_id == unit_id)
    rows = db.session.scalars(query).all()
    return render_template("admin/counters.html", rows=rows, unit_id=unit_id,
                           units=unit_choices(_("Tất cả đơn vị")), counter_url=counter_url)


def _form(counter: Counter | None) -> CounterForm:
    form = CounterForm(obj=counter) if request.method == "GET" and counter else CounterForm()
    form.field_id.choices = field_choices(_("— Nhiều lĩnh vực (người dân tự chọn) —"))
    form.instrument_version_id.choices = instrument_choices(
        counter.instrument_version_id if counter else None)
    if request.method == "GET" and counter:
        form.field_id.data = str(counter.field_id or "")
        form.instrument_version_id.data = str(counter.instrument_version_id)
    return form


def _check(form: CounterForm, unit: Unit, counter: Counter | None) -> bool:
    ok = True
    code = form.code.data.strip()
    other = db.session.scalar(sa.select(Counter).filter_by(unit_id=unit.id, code=code))
    if other is not None and other is not counter:
        form.code.errors.append(_("Đơn vị này đã có quầy mã \"%(code)s\".", code=code))
        ok = False
    field_id = int_or_none(form.field_id.data)
    if form.field_id.data and (field_id is None or db.session.get(Field, field_id) is None):
        form.field_id.errors.append(_("Vui lòng chọn một giá trị trong danh sách."))
        ok = False
    iv = db.session.get(InstrumentVersion, int_or_none(form.instrument_version_id.data) or 0)
    keep = counter is not None and iv is not None and iv.id == counter.instrument_version_id
    if iv is None:
        form.instrument_version_id.errors.append(_("Vui lòng chọn phiếu khảo sát."))
        ok = False
    elif iv.status != "published" and not keep:
        form.instrument_version_id.errors.append(
            _("Phiếu %(key)s đã ngừng dùng, không thể gán cho quầy.", key=iv.key))
        ok = False
    return ok


def _apply(form: CounterForm, counter: Counter) -> dict:
    before = {k: getattr(counter, k, None) for k in COUNTER_FIELDS}
    counter.code = form.code.data.strip()
    counter.name_vi = form.name_vi.data.strip()
    counter.name_en = (form.name_en.data or "").strip() or None
    counter.field_id = int_or_none(form.field_id.data)
    counter.instrument_version_id = int(form.instrument_version_id.data)
    counter.active = form.active.data
    return {k: [before[k], getattr(counter, k)] for k in COUNTER_FIELDS
            if before[k] != getattr(counter, k)}


@bp.route("/quay/them", methods=["GET", "POST"])
def counter_new():
    unit = db.session.get(Unit, int_or_none(request.args.get("unit")) or 0)
    if unit is None:
        flash(_("Hãy chọn đơn vị trước khi thêm quầy."), "info")
        return redirect(url_for("admin.units"))
    form = _form(None)
    if form.validate_on_submit() and _check(form, unit, None):
        counter = Counter(unit_id=unit.id, slug=new_slug(), verify_code=new_verify_code())
        changes = _apply(form, counter)
        db.session.add(counter)
        db.session.flush()
        record("counter.create", "counter", counter.id, unit=unit.code,
               changes={k: v[1] for k, v in changes.items()})
        db.session.commit()
        flash(_("Đã thêm quầy %(name)s. Hãy tải áp phích mã QR để in.", name=counter.name_vi),
              "info")
        return redirect(url_for("admin.counter_edit", counter_id=counter.id))
    return render_template("admin/counter_form.html", form=form, unit=unit, counter=None), (
        422 if request.method == "POST" else 200)


@bp.route("/quay/<int:counter_id>", methods=["GET", "POST"])
def counter_edit(counter_id: int):
    counter = get_or_404(Counter, counter_id)
    form = _form(counter)
    if form.validate_on_submit() and _check(form, counter.unit, counter):
        changes = _apply(form, counter)
        if changes:
            record("counter.update", "counter", counter.id, unit=counter.unit.code,
                   changes=changes)
            db.session.commit()
        flash(_("Đã lưu quầy %(name)s.", name=counter.name_vi), "info")
        return redirect(url_for("admin.counter_edit", counter_id=counter.id))
    return render_template("admin/counter_form.html", form=form, unit=counter.unit,
                           counter=counter, action_form=ActionForm(),
                           link=counter_url(counter)), (422 if request.method == "POST" else 200)


@bp.post("/quay/<int:counter_id>/doi-duong-dan")
def counter_new_slug(counter_id: int):
    counter = get_or_404(Counter, counter_id)
    if not ActionForm().validate_on_submit():
        abort(400)
    old = counter.slug
    counter.slug, counter.verify_code = new_slug(), new_verify_code()
    record("counter.slug_regenerate", "counter", counter.id, unit=counter.unit.code,
           old_slug=old, new_slug=counter.slug)
    db.session.commit()
    flash(_("Đã tạo đường dẫn mới. Áp phích cũ của quầy này không còn dùng được: hãy in và "
            "dán áp phích mới."), "info")
    return redirect(url_for("admin.counter_edit", counter_id=counter.id))
