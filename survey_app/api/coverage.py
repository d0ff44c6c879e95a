"""GET /api/v1/coverage?period=…: coverage of one period from the dossier events, per
receiving unit × field × channel (survey_app/services/coverage.py).

The same per-user token as /indices; a unit user gets only the receiving units of its
subtree (services/scoping.visible_unit_ids), Nội vụ gets all. Counts of dossiers and
invitations, no dossier or contact. Audited per call like /indices.
"""

from __future__ import annotations

import sqlalchemy as sa
from flask import current_app, request
from flask_babel import gettext as _

from analysis.periods import checked_period, default_period
from analysis.periods import today as current_day
from survey_app.api import bp
from survey_app.api.indices import _bearer, _limit_key
from survey_app.extensions import db, limiter
from survey_app.models import Field, Unit
from survey_app.services.audit import record
from survey_app.services.coverage import coverage_rows
from survey_app.services.credentials import user_for_token
from survey_app.services.scoping import visible_unit_ids
from survey_app.web.errors import render_error


@bp.get("/coverage")
@limiter.limit(lambda: current_app.config["API_RATE_LIMIT"], key_func=_limit_key)
def coverage():
    user = user_for_token(_bearer())
    if user is None:
        body, status = render_error(401, _("Cần mã truy cập hợp lệ: Authorization: Bearer <mã>."))
        return body, status, {"WWW-Authenticate": 'Bearer realm="sipas"'}
    if set(request.args) - {"period"}:
        return render_error(400, _("Tham số không được hỗ trợ: %(p)s. Các tham số hợp lệ: "
                                   "%(ok)s.", p=", ".join(sorted(set(request.args) - {"period"}))
                                   [:100], ok="period"))
    period = request.args.get("period", "").strip() or default_period(current_day())
    try:
        start, end = checked_period(period)
    except ValueError:
        return render_error(400, _("Kỳ báo cáo không hợp lệ: %(p)s (ví dụ 2026-Q3, 2026-H1, "
                                   "2026-9M, 2026-Y).", p=period[:20]))
    units = dict(db.session.execute(sa.select(Unit.id, Unit.code)).all())
    fields = dict(db.session.execute(sa.select(Field.id, Field.code)).all())
    rows = [{"unit_code": units[r.unit_id], "field_code": fields.get(r.field_id),
             "channel": r.channel, "returned": r.returned, "invited": r.invited,
             "delivered": r.delivered, "responses": r.responses,
             "responses_counter_arm": r.responses_counter_arm,
             "responses_later_arm": r.responses_later_arm, "response_rate": r.response_rate}
            for r in coverage_rows(start, end, visible_unit_ids(user))]
    record("api.coverage", "export", None, user=user, period=period)
    db.session.commit()
    return {"period": period, "start": start.isoformat(), "end": end.isoformat(), "rows": rows}
