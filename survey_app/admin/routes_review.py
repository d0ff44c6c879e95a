"""Spam review of flagged responses and moderation of comments.

Flagged responses: "confirm as spam" excludes the response (its reason kept), "restore"
makes it valid again; either way the decision and the previous state are audited.
Comments: only approved ones reach the dashboards; pending ones wait here.
"""

from __future__ import annotations

import sqlalchemy as sa
from flask import abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from sqlalchemy.orm import selectinload

from survey_app.admin import bp
from survey_app.admin.common import PER_PAGE, page_number
from survey_app.admin.forms import ActionForm
from survey_app.extensions import db
from survey_app.models import COMMENT_STATUSES, Comment, Response
from survey_app.services.audit import record
from survey_app.web.inputs import whole_number

REVIEW_ACTIONS = {"spam": "excluded", "restore": "valid"}
MODERATION_ACTIONS = {"approve": "approved", "hide": "hidden", "pending": "pending"}


def _decision(actions: dict[str, str]) -> tuple[str | None, list[int]]:
    """(action, ids): a row's own button (name=action, value=id) or the bulk buttons
    (name="action") over the ticked boxes."""
    for action in actions:
        if (one := whole_number(request.form.get(action))) is not None:
            return action, [one]
    action = request.form.get("action")
    ids = [i for i in map(whole_number, request.form.getlist("ids")) if i is not None]
    if action in actions and not ids:
        flash(_("Chưa chọn mục nào."), "error")
    return (action if action in actions else None), ids


@bp.get("/kiem-duyet-phieu")
def flagged():
    query = (sa.select(Response).where(Response.status == "flagged")
             .options(selectinload(Response.answers), selectinload(Response.unit),
                      selectinload(Response.counter))
             .order_by(Response.submitted_at.desc()))
    page = db.paginate(query, page=page_number(), per_page=PER_PAGE, error_out=False)
    return render_template("admin/flagged.html", page=page, form=ActionForm())


@bp.post("/kiem-duyet-phieu")
def flagged_decide():
    if not ActionForm().validate_on_submit():
        abort(400)
    action, ids = _decision(REVIEW_ACTIONS)
    if action is None:
        flash(_("Thao tác không hợp lệ."), "error")
        return redirect(url_for("admin.flagged")), 303
    rows = db.session.scalars(sa.select(Response).where(Response.id.in_(ids),
                                                        Response.status == "flagged")).all()
    for response in rows:
        reason = response.status_reason
        response.status = REVIEW_ACTIONS[action]
        if action == "restore":
            response.status_reason = None
        record("response.exclude" if action == "spam" else "response.restore", "response",
               response.id, reason=reason, unit_id=response.unit_id)
    db.session.commit()
    if rows:
        flash((_("Đã xác nhận %(n)d phiếu là phiếu rác (loại khỏi kết quả).", n=len(rows))
               if action == "spam" else
               _("Đã khôi phục %(n)d phiếu thành hợp lệ.", n=len(rows))), "info")
    elif ids:
        flash(_("Các phiếu đã chọn không còn chờ kiểm duyệt."), "error")
    return redirect(url_for("admin.flagged", page=request.form.get("page", 1))), 303


@bp.get("/binh-luan")
def comments():
    status = request.args.get("status", "pending")
    if status not in COMMENT_STATUSES:
        status = "pending"
    query = (sa.select(Comment).where(Comment.status == status)
             .options(selectinload(Comment.response).selectinload(Response.unit))
             .order_by(Comment.created_at.desc()))
    page = db.paginate(query, page=page_number(), per_page=PER_PAGE, error_out=False)
    counts = dict(db.session.execute(sa.select(Comment.status, sa.func.count())
                                     .group_by(Comment.status)).all())
    return render_template("admin/comments.html", page=page, status=status, counts=counts,
                           form=ActionForm())


@bp.post("/binh-luan")
def comments_decide():
    if not ActionForm().validate_on_submit():
        abort(400)
    action, ids = _decision(MODERATION_ACTIONS)
    status = request.form.get("status", "pending")
    if action is None:
        flash(_("Thao tác không hợp lệ."), "error")
        return redirect(url_for("admin.comments")), 303
    new = MODERATION_ACTIONS[action]
    rows = db.session.scalars(sa.select(Comment).where(
        Comment.response_id.in_(ids), Comment.status != new)).all()
    for comment in rows:
        record(f"comment.{new}", "comment", comment.response_id, previous=comment.status)
        comment.status = new
    db.session.commit()
    if rows:
        flash({"approved": _("Đã duyệt %(n)d góp ý.", n=len(rows)),
               "hidden": _("Đã ẩn %(n)d góp ý.", n=len(rows)),
               "pending": _("Đã chuyển %(n)d góp ý về chờ duyệt.", n=len(rows))}[new], "info")
    return redirect(url_for("admin.comments", status=status if status in COMMENT_STATUSES
                            else "pending")), 303
