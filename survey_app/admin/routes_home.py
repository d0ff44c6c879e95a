"""The admin home (what needs attention, with counts) and the read-only audit-log viewer."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta

import sqlalchemy as sa
from flask import render_template, request

from survey_app.admin import bp
from survey_app.admin.common import PER_PAGE, page_number
from survey_app.extensions import db
from survey_app.models import (
    AuditLog,
    Comment,
    Counter,
    DossierVolume,
    Field,
    InstrumentVersion,
    Response,
    Target,
    Unit,
    User,
)


def _count(query) -> int:
    return db.session.scalar(sa.select(sa.func.count()).select_from(query.subquery())) or 0


@bp.get("")
def home():
    counts = {
        "units": _count(sa.select(Unit.id).where(Unit.active)),
        "units_all": _count(sa.select(Unit.id)),
        "published": _count(sa.select(Unit.id).where(Unit.publish_results)),
        "counters": _count(sa.select(Counter.id).where(Counter.active)),
        "fields": _count(sa.select(Field.id)),
        "instruments": _count(sa.select(InstrumentVersion.id)
                              .where(InstrumentVersion.status == "published")),
        "targets": _count(sa.select(Target.id)),
        "volumes": _count(sa.select(DossierVolume.id)),
        "users": _count(sa.select(User.id).where(User.active)),
        "flagged": _count(sa.select(Response.id).where(Response.status == "flagged")),
        "pending": _count(sa.select(Comment.response_id).where(Comment.status == "pending")),
    }
    recent = db.session.scalars(sa.select(AuditLog).order_by(AuditLog.id.desc()).limit(8)).all()
    return render_template("admin/home.html", counts=counts, recent=recent)


def _day(text: str | None) -> date | None:
    """A filter date, or None; not 9999-12-31, whose next day (the range end) overflows."""
    try:
        day = date.fromisoformat(text) if text else None
    except ValueError:
        return None
    return day if day is None or day < date.max else None


@bp.get("/nhat-ky")
def audit_log():
    """Read-only: filters by user, action, object and dates (UTC), 50 entries a page."""
    args = request.args
    query = sa.select(AuditLog)
    if args.get("user"):
        query = query.where(AuditLog.username == args["user"].strip())
    if args.get("action"):
        query = query.where(AuditLog.action == args["action"])
    if args.get("object_type"):
        query = query.where(AuditLog.object_type == args["object_type"])
    if args.get("object_id"):
        query = query.where(AuditLog.object_id == args["object_id"].strip())
    start, end = _day(args.get("from")), _day(args.get("to"))
    if start:
        query = query.where(AuditLog.at >= datetime.combine(start, time(), UTC))
    if end:
        query = query.where(AuditLog.at < datetime.combine(end + timedelta(days=1), time(), UTC))
    page = db.paginate(query.order_by(AuditLog.id.desc()), page=page_number(),
                       per_page=PER_PAGE, error_out=False)
    actions = db.session.scalars(sa.select(AuditLog.action).distinct().order_by(AuditLog.action))
    types = db.session.scalars(sa.select(AuditLog.object_type).distinct()
                               .where(AuditLog.object_type.is_not(None))
                               .order_by(AuditLog.object_type))
    bad_dates = (args.get("from") and not start) or (args.get("to") and not end)
    return render_template("admin/audit.html", page=page, actions=list(actions),
                           types=list(types), args=args, bad_dates=bad_dates)
