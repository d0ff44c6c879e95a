"""Upload → preview (every row with its status) → confirm, for units, dossier volumes,
the units' lineage and dossier events.

Confirmation re-reads the signed file and re-checks it against the database: with any
error, or if the statuses changed since the preview, nothing is applied and the new
preview is shown; otherwise every row is applied in one transaction with its audit.
"""

from __future__ import annotations

from flask import abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy.exc import IntegrityError

from survey_app.admin import bp
from survey_app.admin.forms import ConfirmImportForm, UploadForm
from survey_app.admin.imports import (
    KINDS as PLANS,
)
from survey_app.admin.imports import (
    UNIT_COLUMNS,
    UNIT_OPTIONAL,
    VOLUME_COLUMNS,
    ImportPlan,
    apply_plan,
    build_plan,
    sign_upload,
    unsign_upload,
)
from survey_app.admin.lineage_import import COLUMNS as LINEAGE_COLUMNS
from survey_app.admin.lineage_import import OPTIONAL as LINEAGE_OPTIONAL
from survey_app.extensions import db
from survey_app.models import UNIT_KINDS

KINDS = {
    "don-vi": ("units", UNIT_COLUMNS + UNIT_OPTIONAL, "admin.units"),
    "so-lieu-ho-so": ("volumes", VOLUME_COLUMNS, "admin.volumes"),
    "pha-he-don-vi": ("lineage", LINEAGE_COLUMNS + LINEAGE_OPTIONAL, "admin.units"),
    "su-kien-ho-so": ("events", PLANS["events"][0] + PLANS["events"][1], "admin.invitations"),
}


def _kind(slug: str) -> tuple[str, tuple[str, ...], str]:
    if slug not in KINDS:
        abort(404)
    return KINDS[slug]


def _preview(slug: str, plan: ImportPlan, token: str | None, status: int, notice: str = ""):
    form = ConfirmImportForm(token=token or "", fingerprint=plan.fingerprint())
    return render_template("admin/import_preview.html", slug=slug, plan=plan, form=form,
                           upload=UploadForm(), columns=_kind(slug)[1], notice=notice,
                           can_apply=plan.ok and token is not None), status


@bp.route("/nhap/<slug>", methods=["GET", "POST"])
def import_upload(slug: str):
    kind, columns, back = _kind(slug)
    form = UploadForm()
    if request.method == "GET" or not form.validate_on_submit():
        return render_template("admin/import_upload.html", slug=slug, form=form,
                               columns=columns, back=back, kinds=UNIT_KINDS), (
            400 if request.method == "POST" else 200)
    upload = form.file.data
    if upload is None or not getattr(upload, "filename", ""):
        form.file.errors = [_("Vui lòng chọn tệp CSV hoặc XLSX để tải lên.")]
        return render_template("admin/import_upload.html", slug=slug, form=form,
                               columns=columns, back=back, kinds=UNIT_KINDS), 422
    data = upload.read()
    plan = build_plan(kind, upload.filename, data)
    token = sign_upload(kind, current_user.id, upload.filename, data) if plan.ok else None
    if plan.ok and token is None:
        plan.file_error = _("Tệp quá lớn để xem trước và xác nhận trong một lần. Vui lòng "
                            "chia thành nhiều tệp nhỏ hơn.")
    return _preview(slug, plan, token, 200 if plan.ok else 422)


@bp.post("/nhap/<slug>/xac-nhan")
def import_confirm(slug: str):
    kind, _columns, back = _kind(slug)
    form = ConfirmImportForm()
    if not form.validate_on_submit():
        abort(400)
    unpacked = unsign_upload(form.token.data or "", kind, current_user.id)
    if unpacked is None:
        flash(_("Phiên xem trước đã hết hạn hoặc không hợp lệ. Vui lòng tải tệp lên lại."),
              "error")
        return redirect(url_for("admin.import_upload", slug=slug))
    filename, data = unpacked
    plan = build_plan(kind, filename, data)
    if not plan.ok:
        return _preview(slug, plan, None, 422)
    if plan.fingerprint() != form.fingerprint.data:
        return _preview(slug, plan, sign_upload(kind, current_user.id, filename, data), 409,
                        notice=_("Dữ liệu trong hệ thống đã thay đổi kể từ lúc xem trước. "
                                 "Vui lòng xem lại rồi xác nhận lần nữa."))
    try:
        counts = apply_plan(plan)
        db.session.commit()
    except IntegrityError:
        db.session.rollback()
        return _preview(slug, plan, None, 409, notice=_(
            "Không ghi được vì dữ liệu vừa bị thay đổi đồng thời. Chưa có gì được ghi; "
            "vui lòng tải tệp lên lại."))
    flash(_("Đã nhập xong: %(new)d mới, %(update)d cập nhật, %(same)d không đổi.",
            new=counts["new"], update=counts["update"], same=counts["unchanged"]), "info")
    return redirect(url_for(back))
