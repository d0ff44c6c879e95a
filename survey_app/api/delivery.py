"""POST /api/v1/delivery-reports: a gateway says what became of an invitation it accepted.

Authenticated by one shared secret (SIPAS_DELIVERY_REPORT_KEY, bearer); no key set means
the endpoint answers 404, as if it did not exist. The body names the invitation by the
idempotency key every provider was given (`sipas-invitation-<id>`) or by the provider's
own reference, and its fate: `delivered` or `failed`. Only an invitation already sent
changes (sent → delivered or failed; delivered → failed is refused as a step back); the
contact is long gone by then, so nothing personal is in play.
"""

from __future__ import annotations

import hmac
from datetime import UTC, datetime

import sqlalchemy as sa
from flask import abort, current_app, request

from survey_app.api import bp
from survey_app.api.routes import _api_key
from survey_app.extensions import db, limiter
from survey_app.models import Invitation
from survey_app.web.errors import render_error

PREFIX = "sipas-invitation-"


def _find(reference: str) -> Invitation | None:
    if reference.startswith(PREFIX) and reference[len(PREFIX):].isascii() \
            and reference[len(PREFIX):].isdigit() and len(reference) < 40:
        return db.session.get(Invitation, int(reference[len(PREFIX):]))
    return db.session.scalar(sa.select(Invitation).filter_by(provider_ref=reference).limit(1))


@bp.post("/delivery-reports")
@limiter.limit(lambda: current_app.config["API_RATE_LIMIT"])
def delivery_report():
    """Body: {"id": "sipas-invitation-42" | provider reference, "status": "delivered" |
    "failed", "reason"?} → 200 with the invitation's status."""
    secret = current_app.config.get("DELIVERY_REPORT_KEY")
    if not secret:
        abort(404)
    if not hmac.compare_digest((_api_key() or "").encode(), secret.encode()):
        return render_error(401, "a valid delivery-report key is required "
                                 "(Authorization: Bearer …)")
    data = request.get_json(silent=True)
    if not isinstance(data, dict):
        return render_error(400, "the body must be a JSON object")
    reference, status = data.get("id"), data.get("status")
    if not isinstance(reference, str) or not 0 < len(reference) <= 100:
        body, _ = render_error(422, "id must be the invitation's reference")
        return {**body, "field": "id"}, 422
    if status not in ("delivered", "failed"):
        body, _ = render_error(422, "status must be delivered or failed")
        return {**body, "field": "status"}, 422
    invitation = _find(reference)
    if invitation is None:
        return render_error(404, "no invitation with this reference")
    if invitation.status not in ("sent", "delivered") or (
            invitation.status == "delivered" and status == "failed"):
        body, _ = render_error(409, f"the invitation is {invitation.status}; "
                                    f"it cannot become {status}")
        return body, 409
    if invitation.status != status:
        invitation.status = status
        invitation.finished_at = datetime.now(UTC)
        if status == "failed":
            reason = data.get("reason")
            invitation.last_error = ("delivery failed (reported)" + (
                f": {reason[:200]}" if isinstance(reason, str) else ""))[:300]
        db.session.commit()
    return {"id": f"{PREFIX}{invitation.id}", "status": invitation.status}, 200
