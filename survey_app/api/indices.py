"""GET /api/v1/indices: the engine's indices by unit/field/period for staff scripts.

Authenticated by a per-user token (`Authorization: Bearer …`), scoped exactly like the
dashboard (survey_app.services.scoping.restrict), rate-limited per token, audited per call.
Every bad parameter is a 400 with a JSON message; a unit the user may not see is a 404
exactly like a unit that does not exist. The OpenAPI document is /api/v1/openapi.json.
"""

from __future__ import annotations

import hashlib
import math

import sqlalchemy as sa
from flask import current_app, g, request
from flask_babel import gettext as _

from analysis.methods import METHODS
from analysis.periods import checked_period, default_period
from analysis.periods import today as current_day
from survey_app.api import bp
from survey_app.api.openapi import LEVELS, PARAMETERS, document
from survey_app.extensions import db, limiter
from survey_app.models import Field, Unit
from survey_app.reporting import compute_indices_sql
from survey_app.reporting.attribution import ATTRIBUTION_ROLES, DEFAULT_ROLE
from survey_app.reporting.dashboard import report_scope
from survey_app.reporting.indices import fallback_count
from survey_app.reporting.query import DashboardQuery, checked_day
from survey_app.reporting.rebase import unit_notes
from survey_app.services.audit import record
from survey_app.services.credentials import user_for_token
from survey_app.services.privacy import client_key
from survey_app.services.scoping import can_see_unit
from survey_app.web.errors import render_error

BY_CHOICES = {"": (), "unit": ("unit",), "field": ("field",), "unit,field": ("unit", "field"),
              "field,unit": ("unit", "field")}
NUMBERS = ("estimate", "ci_low", "ci_high", "se", "df")
INDEPENDENT_METHODS = ("wilson", "clopper-pearson", "jeffreys")


class ApiError(Exception):
    def __init__(self, status: int, message: str):
        super().__init__(message)
        self.status, self.message = status, message


def _bearer() -> str | None:
    header = request.headers.get("Authorization", "")
    return header[7:].strip() if header.lower().startswith("bearer ") else None


def _limit_key() -> str:
    token = _bearer()
    return "api-user:" + hashlib.sha256(token.encode()).hexdigest()[:24] if token else client_key()


def _params() -> dict:
    unknown = set(request.args) - set(PARAMETERS)
    if unknown:
        raise ApiError(400, _("Tham số không được hỗ trợ: %(p)s. Các tham số hợp lệ: %(ok)s.",
                              p=", ".join(sorted(unknown))[:100], ok=", ".join(PARAMETERS)))
    period = request.args.get("period", "").strip() or default_period(current_day())
    try:
        start, end = checked_period(period)
    except ValueError:
        raise ApiError(400, _("Kỳ báo cáo không hợp lệ: %(p)s (ví dụ 2026-Q3, 2026-H1, "
                              "2026-9M, 2026-Y).", p=period[:20])) from None
    by = request.args.get("by", "").strip()
    if by not in BY_CHOICES:
        raise ApiError(400, _("Tham số by phải là unit, field hoặc unit,field."))
    level = request.args.get("level", "overall")
    if level not in LEVELS:
        raise ApiError(400, _("Tham số level phải là một trong: %(ok)s.", ok=", ".join(LEVELS)))
    method = request.args.get("method", "logit")
    if method not in METHODS:
        raise ApiError(400, _("Tham số method phải là một trong: %(ok)s.", ok=", ".join(METHODS)))
    role = request.args.get("role", "").strip() or DEFAULT_ROLE
    if role not in ATTRIBUTION_ROLES:
        raise ApiError(400, _("Tham số role phải là receiving (đơn vị tiếp nhận hồ sơ) hoặc "
                              "deciding (cơ quan giải quyết)."))
    raw = request.args.get("as_of", "").strip()
    try:
        as_of = checked_day(raw) if raw else current_day()
    except ValueError:
        raise ApiError(400, _("Tham số as_of phải là một ngày dạng năm-tháng-ngày, ví dụ "
                              "2026-12-01: %(d)s", d=raw[:20])) from None
    return {"period": period, "start": start, "end": end, "by": BY_CHOICES[by],
            "level": level, "method": method, "role": role, "as_of": as_of}


def _unit_and_field(user) -> tuple[Unit | None, Field | None]:
    unit = field = None
    code = request.args.get("unit", "").strip()
    if code:
        unit = db.session.scalar(sa.select(Unit).filter_by(code=code[:32]))
        if unit is None or not can_see_unit(user, unit.id):
            raise ApiError(404, _("Không tìm thấy đơn vị %(c)s.", c=code[:32]))
    code = request.args.get("field", "").strip()
    if code:
        field = db.session.scalar(sa.select(Field).filter_by(code=code[:32]))
        if field is None:
            raise ApiError(400, _("Lĩnh vực không tồn tại: %(c)s.", c=code[:32]))
    return unit, field


def _number(value) -> float | None:
    value = float(value)
    return None if math.isnan(value) or math.isinf(value) else value


@bp.get("/indices")
@limiter.limit(lambda: current_app.config["API_RATE_LIMIT"],
               key_func=_limit_key)
def indices():
    user = user_for_token(_bearer())
    if user is None:
        body, status = render_error(401, _("Cần mã truy cập hợp lệ: Authorization: Bearer <mã>."))
        return body, status, {"WWW-Authenticate": 'Bearer realm="sipas"'}
    g.api_user = user
    try:
        p = _params()
        unit, field = _unit_and_field(user)
    except ApiError as exc:
        return render_error(exc.status, exc.message)
    query = DashboardQuery(p["period"], unit.id if unit else None, field.id if field else None,
                           p["method"], p["role"], as_of=p["as_of"])
    scope = report_scope(query, user)
    table = compute_indices_sql(scope, by=p["by"], method=p["method"])
    notes = unit_notes(scope, table["unit_id"]) if "unit_id" in table else {}
    if p["level"] != "all":
        table = table[table["level"] == p["level"]]
    units = {i: (c, n) for i, c, n in db.session.execute(sa.select(Unit.id, Unit.code, Unit.name_vi))}
    fields = {i: (c, n) for i, c, n in db.session.execute(
        sa.select(Field.id, Field.code, Field.name_vi))}
    rows = []
    for r in table.to_dict("records"):
        u = units.get(int(r["unit_id"])) if "unit_id" in r else None
        f = fields.get(int(r["field_id"])) if "field_id" in r else None
        rows.append({
            "unit_code": u[0] if u else None, "unit_name": u[1] if u else None,
            "field_code": f[0] if f else None, "field_name": f[1] if f else None,
            "level": r["level"], "index": str(r["index"]),
            **{k: _number(r[k]) for k in NUMBERS},
            "n_respondents": int(r["n_respondents"]), "n_answers": int(r["n_answers"]),
            "method": r["method"],
            "unit_note": notes.get(int(r["unit_id"])) if "unit_id" in r else None})
    record("api.indices", "export", None, user=user, **{k: v for k, v in request.args.items()})
    db.session.commit()
    return {"period": p["period"], "start": p["start"].isoformat(), "end": p["end"].isoformat(),
            "by": list(p["by"]), "unit": unit.code if unit else None,
            "field": field.code if field else None, "level": p["level"],
            "method": p["method"], "role": p["role"], "fallback_responses": fallback_count(scope),
            "confidence": 0.95, "as_of": p["as_of"].isoformat(),
            **_descriptive(p["method"]), "rows": rows}


def _descriptive(method: str) -> dict:
    """wilson, clopper-pearson and jeffreys treat answers as independent: with answers
    clustered in respondents they cover 76–85%, so their intervals decide no target."""
    if method in INDEPENDENT_METHODS:
        return {"descriptive_only": True,
                "note": _("Khoảng tin cậy theo phương pháp %(m)s coi các câu trả lời là độc "
                          "lập: chỉ để mô tả, không dùng để kết luận đạt hay chưa đạt chỉ "
                          "tiêu.", m=method)}
    return {"descriptive_only": False}


@bp.get("/openapi.json")
def openapi():
    return document()
