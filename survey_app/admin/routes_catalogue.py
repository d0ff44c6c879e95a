"""Fields of procedures and questionnaire versions (instruments).

Instrument lifecycle (documented choice): an uploaded YAML that the loader validates is
stored as *published* at once, because a version is immutable and nothing is lost by
storing it; "retire" stops it being assigned to counters (existing responses keep it),
"republish" undoes that. A changed definition under an existing (code, version) is
refused: publish it as a new version.
"""

from __future__ import annotations

from datetime import datetime, timedelta, timezone

import sqlalchemy as sa
from flask import flash, redirect, render_template, request, url_for
from flask_babel import gettext as _

from instruments import InstrumentError, load_instrument_text
from survey_app.admin import bp
from survey_app.admin.common import apply_changes, get_or_404
from survey_app.admin.forms import ActionForm, FieldForm, InstrumentUploadForm
from survey_app.admin.unit_validity import parse_date
from survey_app.extensions import db
from survey_app.models import Counter, Field, InstrumentVersion, Response, Unit
from survey_app.seed.reference import ReferenceDataError, register_instrument
from survey_app.services.audit import record
from survey_app.web.inputs import whole_number

MAX_YAML_BYTES = 512 * 1024
VIETNAM_TZ = timezone(timedelta(hours=7))


@bp.get("/linh-vuc")
def fields():
    rows = db.session.scalars(sa.select(Field).order_by(Field.sort_order, Field.code)).all()
    # A field is not a department: the agencies that decided its dossiers, as the
    # responses recorded them (a field may have several; a department decides many).
    deciders: dict[int, list[str]] = {}
    for field_id, name in db.session.execute(
            sa.select(Response.field_id, Unit.name_vi).distinct()
            .join(Unit, Unit.id == Response.deciding_unit_id)
            .order_by(Response.field_id, Unit.name_vi)):
        deciders.setdefault(field_id, []).append(name)
    return render_template("admin/fields.html", fields=rows, deciders=deciders,
                           today=datetime.now(VIETNAM_TZ).date())


@bp.route("/linh-vuc/them", methods=["GET", "POST"], defaults={"field_id": None})
@bp.route("/linh-vuc/<int:field_id>", methods=["GET", "POST"])
def field_edit(field_id: int | None):
    item = get_or_404(Field, field_id) if field_id else None
    form = FieldForm(obj=item) if request.method == "GET" and item else FieldForm()
    if request.method == "GET" and item:
        form.sort_order.data = str(item.sort_order)
        form.valid_from.data = item.valid_from.isoformat() if item.valid_from else ""
        form.valid_to.data = item.valid_to.isoformat() if item.valid_to else ""
    if form.validate_on_submit():
        code = form.code.data.strip()
        other = db.session.scalar(sa.select(Field).filter_by(code=code))
        valid_from = parse_date(form.valid_from.data or "")
        valid_to = parse_date(form.valid_to.data or "")
        if other is not None and other is not item:
            form.code.errors.append(_("Mã lĩnh vực \"%(code)s\" đã được dùng.", code=code))
        elif valid_from and valid_to and valid_from >= valid_to:
            form.valid_to.errors.append(_("Ngày thôi có hiệu lực phải sau ngày bắt đầu hiệu "
                                          "lực."))
        else:
            new = item is None
            item = item or Field()
            values = {"code": code, "name_vi": form.name_vi.data.strip(),
                      "name_en": form.name_en.data.strip(),
                      "sort_order": whole_number(form.sort_order.data), "active": form.active.data,
                      "valid_from": valid_from, "valid_to": valid_to}
            changes = apply_changes(item, values)
            db.session.add(item)
            db.session.flush()
            if changes:
                record("field.create" if new else "field.update", "field", item.id,
                       code=code, changes=changes)
            db.session.commit()
            flash(_("Đã lưu lĩnh vực %(name)s.", name=item.name_vi), "info")
            return redirect(url_for("admin.fields"))
    return render_template("admin/field_form.html", form=form, item=item), (
        422 if request.method == "POST" else 200)


@bp.get("/phieu-khao-sat")
def instruments():
    responses = dict(db.session.execute(sa.select(Response.instrument_version_id, sa.func.count())
                                        .group_by(Response.instrument_version_id)).all())
    counters = dict(db.session.execute(
        sa.select(Counter.instrument_version_id, sa.func.count())
        .where(Counter.active).group_by(Counter.instrument_version_id)).all())
    rows = db.session.scalars(sa.select(InstrumentVersion).order_by(
        InstrumentVersion.code, InstrumentVersion.version.desc())).all()
    return render_template("admin/instruments.html", rows=rows, responses=responses,
                           counters=counters, form=InstrumentUploadForm(),
                           action_form=ActionForm())


@bp.post("/phieu-khao-sat")
def instrument_upload():
    form = InstrumentUploadForm()
    form.validate_on_submit()  # the CSRF token; the file is checked below
    upload = form.file.data
    problem = None
    if upload is None or not getattr(upload, "filename", ""):
        problem = _("Vui lòng chọn tệp YAML của phiếu khảo sát.")
    else:
        data = upload.read(MAX_YAML_BYTES + 1)
        try:
            text = data.decode("utf-8").lstrip("\ufeff")
        except UnicodeDecodeError:
            text = None
        if len(data) > MAX_YAML_BYTES:
            problem = _("Tệp quá lớn (tối đa 512 KB).")
        elif text is None:
            problem = _("Tệp không phải văn bản UTF-8.")
        else:
            try:
                inst = load_instrument_text(text, source=upload.filename[:100])
                row, created = register_instrument(inst, text)
            except InstrumentError as exc:
                problem = _("Phiếu không hợp lệ: %(problem)s", problem=str(exc))
            except ReferenceDataError:
                problem = _("Phiên bản %(key)s đã được công bố với nội dung khác. Nội dung đã "
                            "công bố không thể sửa; hãy tăng số phiên bản (version) rồi tải "
                            "lên lại.", key=inst.key)
    if problem:
        db.session.rollback()
        flash(problem, "error")
        return instruments(), 422
    if created:
        db.session.flush()
        record("instrument.publish", "instrument_version", row.id, key=row.key,
               checksum=row.checksum, filename=upload.filename[:100])
        db.session.commit()
        flash(_("Đã công bố phiếu %(key)s.", key=row.key), "info")
    else:
        flash(_("Phiếu %(key)s đã có sẵn với đúng nội dung này; không có gì thay đổi.",
                key=row.key), "info")
    return redirect(url_for("admin.instruments"))


@bp.post("/phieu-khao-sat/<int:iv_id>/trang-thai")
def instrument_status(iv_id: int):
    iv = get_or_404(InstrumentVersion, iv_id)
    if not ActionForm().validate_on_submit():
        return redirect(url_for("admin.instruments"))
    if iv.status == "published":
        in_use = db.session.scalar(sa.select(sa.func.count()).where(
            Counter.instrument_version_id == iv.id, Counter.active)) or 0
        if in_use:
            flash(_("Còn %(n)d quầy đang dùng phiếu %(key)s. Hãy chuyển các quầy đó sang "
                    "phiên bản khác trước khi ngừng dùng.", n=in_use, key=iv.key), "error")
            return instruments(), 409
        iv.status = "retired"
        record("instrument.retire", "instrument_version", iv.id, key=iv.key)
        flash(_("Phiếu %(key)s đã ngừng dùng; các phiếu trả lời cũ vẫn giữ nguyên.",
                key=iv.key), "info")
    else:
        iv.status = "published"
        record("instrument.republish", "instrument_version", iv.id, key=iv.key)
        flash(_("Phiếu %(key)s được dùng lại.", key=iv.key), "info")
    db.session.commit()
    return redirect(url_for("admin.instruments"))
