"""Lời mời đánh giá: the outbox as the admin sees it, without the contacts.

Pending invitations (with their next attempt and last error) and the ones that failed or
expired, newest first, with the counts per status; the worker (`flask outbox run`) does
the sending. The contact is never shown, nor kept once an invitation has left `pending`.
"""

from __future__ import annotations

import sqlalchemy as sa
from flask import render_template, request
from sqlalchemy.orm import selectinload

from survey_app.admin import bp
from survey_app.admin.common import page_number
from survey_app.extensions import db
from survey_app.models import INVITATION_STATUSES, DossierEvent, Invitation
from survey_app.services.outbox import status_counts

PER_PAGE = 50
SHOWN = {"problems": ("pending", "failed", "expired"), **{s: (s,) for s in INVITATION_STATUSES}}


@bp.get("/loi-moi")
def invitations():
    shown = request.args.get("trang-thai", "problems")
    statuses = SHOWN.get(shown, SHOWN["problems"])
    query = (sa.select(Invitation).where(Invitation.status.in_(statuses))
             .options(selectinload(Invitation.event).selectinload(DossierEvent.unit))
             .order_by(Invitation.created_at.desc(), Invitation.id.desc()))
    page = db.paginate(query, page=page_number(), per_page=PER_PAGE, error_out=False)
    return render_template("admin/invitations.html", page=page, counts=status_counts(),
                           shown=shown if shown in SHOWN else "problems",
                           statuses=INVITATION_STATUSES)
