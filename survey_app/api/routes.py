"""POST /api/v1/receipt-links: a survey URL and a QR PNG to print on a dossier's receipt."""

from __future__ import annotations

import base64

from flask import current_app, g, request

from survey_app.api import bp
from survey_app.extensions import limiter
from survey_app.services.credentials import unit_for_api_key
from survey_app.services.qr import qr_png
from survey_app.services.receipts import (
    ReceiptLinkError,
    ReceiptQuotaExceeded,
    make_receipt_link,
)
from survey_app.web.errors import render_error


def _api_key() -> str | None:
    header = request.headers.get("Authorization", "")
    if header.lower().startswith("bearer "):
        return header[7:].strip()
    return request.headers.get("X-API-Key")


def _limit_key() -> str:
    return "api:" + (getattr(g, "api_unit_code", None) or "anonymous")


def _seconds_to_midnight() -> int:
    from datetime import datetime, timedelta

    from analysis.periods import VIETNAM

    now = datetime.now(VIETNAM)
    midnight = (now + timedelta(days=1)).replace(hour=0, minute=0, second=0, microsecond=0)
    return max(int((midnight - now).total_seconds()), 1)


# Endpoints that authenticate a person (user token), a gateway (its own shared key) or
# nobody (the OpenAPI document).
NOT_UNIT_KEY_ENDPOINTS = {"api.indices", "api.coverage", "api.openapi", "api.delivery_report"}


@bp.before_request
def authenticate():
    if request.endpoint in NOT_UNIT_KEY_ENDPOINTS:
        return None
    unit = unit_for_api_key(_api_key())
    if unit is None:
        return render_error(401, "a valid unit API key is required (Authorization: Bearer …)")
    g.api_unit = unit
    g.api_unit_code = unit.code
    return None


@bp.post("/receipt-links")
@limiter.limit(lambda: current_app.config["API_RATE_LIMIT"],
               key_func=_limit_key)
def receipt_link():
    """Body: {"dossier_code", "counter", "field"?, "procedure_code"?, "deciding_agency"?}
    → 201 with url and QR."""
    try:
        data = request.get_json(silent=True)
    except RecursionError:  # "[[[[…" deeper than Python's stack; silent= only covers ValueError
        data = None
    if not isinstance(data, dict):
        return render_error(400, "the body must be a JSON object")
    try:
        link = make_receipt_link(g.api_unit, data.get("counter"), data.get("dossier_code"),
                                 data.get("field"), data.get("procedure_code"),
                                 deciding_code=data.get("deciding_agency"))
    except ReceiptLinkError as exc:
        body, _ = render_error(422, exc.message)
        body["field"] = exc.field
        return body, 422
    except ReceiptQuotaExceeded as exc:
        body, _ = render_error(429, f"this unit's key has issued its {exc.quota} receipt links "
                                    "for today (RECEIPT_LINKS_PER_DAY); try again tomorrow")
        return body, 429, {"Retry-After": str(_seconds_to_midnight())}
    return {
        "url": link.url,
        "expires_at": link.expires_at.isoformat(timespec="seconds"),
        "unit": g.api_unit.code,
        "counter": link.counter.code,
        "deciding_agency": link.deciding_unit.code if link.deciding_unit else None,
        "qr_png_base64": base64.b64encode(qr_png(link.url, box_size=6)).decode("ascii"),
    }, 201
