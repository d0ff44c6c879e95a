"""Staff accounts: create, change role and unit, disable, reset password, API tokens.

An admin cannot disable or demote their own account (no lock-out by a slip of the
mouse). An API token is shown once; only its SHA-256 is stored.
"""

from __future__ import annotations

import sqlalchemy as sa
from flask import flash, make_response, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user
from werkzeug.security import generate_password_hash

from survey_app.admin import bp
from survey_app.admin.common import get_or_404, int_or_none, unit_choices
from survey_app.admin.forms import ROLE_LABELS, ActionForm, NewUserForm, PasswordForm, UserForm
from survey_app.extensions import db
from survey_app.models import Unit, User
from survey_app.services.audit import record
from survey_app.services.credentials import issue_user_token


@bp.get("/nguoi-dung")
def users():
    rows = db.session.scalars(sa.select(User).order_by(User.role, User.username)).all()
    return render_template("admin/users.html", users=rows, roles=ROLE_LABELS, form=ActionForm())


def _check(form: UserForm, user: User | None) -> bool:
    ok = True
    if user is None:
        name = form.username.data.strip()
        if db.session.scalar(sa.select(User.id).filter_by(username=name)):
            form.username.errors.append(_("Tên đăng nhập \"%(name)s\" đã có.", name=name))
            ok = False
    unit_id = int_or_none(form.unit_id.data)
    if form.role.data == "unit" and unit_id is None:
        form.unit_id.errors.append(_("Vai trò cán bộ đơn vị cần chọn một đơn vị."))
        ok = False
    if unit_id is not None and db.session.get(Unit, unit_id) is None:
        form.unit_id.errors.append(_("Đơn vị không tồn tại."))
        ok = False
    if user is not None and user.id == current_user.id and form.role.data != "admin":
        form.role.errors.append(_("Bạn không thể tự bỏ quyền quản trị của chính mình."))
        ok = False
    return ok


def _unit_for(form: UserForm) -> int | None:
    # admin and analyst see every unit; a unit kept on them would only confuse.
    return int_or_none(form.unit_id.data) if form.role.data == "unit" else None


@bp.route("/nguoi-dung/them", methods=["GET", "POST"])
def user_new():
    form = NewUserForm()
    form.unit_id.choices = unit_choices(_("— Không gắn với đơn vị —"))
    if form.validate_on_submit() and _check(form, None):
        user = User(username=form.username.data.strip(), full_name=form.full_name.data or None,
                    role=form.role.data, unit_id=_unit_for(form), active=True,
                    password_hash=generate_password_hash(form.password.data))
        db.session.add(user)
        db.session.flush()
        record("user.create", "user", user.id, username=user.username, role_given=user.role,
               unit_id=user.unit_id)
        db.session.commit()
        flash(_("Đã tạo tài khoản %(name)s.", name=user.username), "info")
        return redirect(url_for("admin.users"))
    return render_template("admin/user_form.html", form=form, user=None), (
        422 if request.method == "POST" else 200)


@bp.route("/nguoi-dung/<int:user_id>", methods=["GET", "POST"])
def user_edit(user_id: int):
    user = get_or_404(User, user_id)
    form = UserForm(obj=user) if request.method == "GET" else UserForm()
    form.username.data = user.username  # not editable: the audit log names people by it
    form.unit_id.choices = unit_choices(_("— Không gắn với đơn vị —"))
    if request.method == "GET":
        form.unit_id.data = str(user.unit_id or "")
    if form.validate_on_submit() and _check(form, user):
        before = {"full_name": user.full_name, "role": user.role, "unit_id": user.unit_id}
        user.full_name = form.full_name.data or None
        user.role, user.unit_id = form.role.data, _unit_for(form)
        after = {"full_name": user.full_name, "role": user.role, "unit_id": user.unit_id}
        changes = {k: [before[k], after[k]] for k in before if before[k] != after[k]}
        if changes:
            record("user.update", "user", user.id, username=user.username, changes=changes)
            db.session.commit()
        flash(_("Đã lưu tài khoản %(name)s.", name=user.username), "info")
        return redirect(url_for("admin.users"))
    return render_template("admin/user_form.html", form=form, user=user,
                           password_form=PasswordForm(), action_form=ActionForm()), (
        422 if request.method == "POST" else 200)


@bp.post("/nguoi-dung/<int:user_id>/hoat-dong")
def user_toggle(user_id: int):
    user = get_or_404(User, user_id)
    if not ActionForm().validate_on_submit():
        return redirect(url_for("admin.users"))
    if user.id == current_user.id:
        flash(_("Bạn không thể tự khóa tài khoản của chính mình."), "error")
        return render_template("admin/message.html", back=url_for("admin.users")), 409
    user.active = not user.active
    if not user.active:
        user.end_sessions()  # a copied cookie must not outlive a re-enabling either
    record("user.enable" if user.active else "user.disable", "user", user.id,
           username=user.username)
    db.session.commit()
    flash(_("Đã mở khóa tài khoản %(name)s.", name=user.username) if user.active
          else _("Đã khóa tài khoản %(name)s.", name=user.username), "info")
    return redirect(url_for("admin.users"))


@bp.post("/nguoi-dung/<int:user_id>/mat-khau")
def user_password(user_id: int):
    user = get_or_404(User, user_id)
    form = PasswordForm()
    form.account_names = (user.username, user.full_name)
    if form.validate_on_submit():
        user.set_password(form.password.data)  # also ends the user's sessions
        record("user.password_reset", "user", user.id, username=user.username)
        db.session.commit()
        flash(_("Đã đặt lại mật khẩu cho %(name)s.", name=user.username), "info")
        return redirect(url_for("admin.user_edit", user_id=user.id))
    edit = UserForm(obj=user)
    edit.unit_id.choices = unit_choices(_("— Không gắn với đơn vị —"))
    edit.unit_id.data = str(user.unit_id or "")
    return render_template("admin/user_form.html", form=edit, user=user, password_form=form,
                           action_form=ActionForm()), 422


@bp.post("/nguoi-dung/<int:user_id>/api-token")
def user_token(user_id: int):
    user = get_or_404(User, user_id)
    if not ActionForm().validate_on_submit():
        return redirect(url_for("admin.user_edit", user_id=user.id))
    replaced = user.api_token_hash is not None
    token = issue_user_token(user)
    record("user.api_token_issue", "user", user.id, username=user.username, replaced=replaced)
    db.session.commit()
    response = make_response(render_template("admin/token.html", user=user, token=token))
    response.headers["Cache-Control"] = "no-store"
    return response


@bp.post("/nguoi-dung/<int:user_id>/api-token/thu-hoi")
def user_token_revoke(user_id: int):
    user = get_or_404(User, user_id)
    if ActionForm().validate_on_submit() and user.api_token_hash:
        user.api_token_hash = None
        record("user.api_token_revoke", "user", user.id, username=user.username)
        db.session.commit()
        flash(_("Đã thu hồi mã API của %(name)s.", name=user.username), "info")
    return redirect(url_for("admin.user_edit", user_id=user.id))
