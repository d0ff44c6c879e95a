"""POST /api/v1/dossier-events: the one-stop software says a dossier was received or returned.

Same key as the receipt links (a unit's API key; the receiving unit is that unit or one
below it). Idempotent on (receiving unit, dossier, event): 201 the first time, 200 with
what was stored when the same event comes again. A returned dossier gets its arm; in
the counter arm the reply carries the signed link and its QR for the slip, in the later
arm the invitation's due time (never the contact).
"""

from __future__ import annotations

import base64
from datetime import datetime, timedelta

from flask import current_app, g, request
from sqlalchemy.exc import IntegrityError

from survey_app.api import bp
from survey_app.api.routes import _limit_key, _seconds_to_midnight
from survey_app.extensions import db, limiter
from survey_app.models import Counter, DossierEvent, Field, Unit
from survey_app.services.dossier_events import (
    check_event,
    existing_event,
    record_event,
)
from survey_app.services.qr import qr_png, receipt_url
from survey_app.services.receipts import ReceiptLinkError, ReceiptQuotaExceeded, take_link
from survey_app.services.survey_tokens import receipt_link_seconds, token_for_dossier_hash
from survey_app.web.errors import render_error


def _iso(moment: datetime | None) -> str | None:
    return moment.isoformat(timespec="seconds") if moment else None


def _link(event: DossierEvent) -> dict:
    counter = db.session.get(Counter, event.counter_id)
    field = db.session.get(Field, event.field_id) if event.field_id else None
    token = token_for_dossier_hash(counter.id, event.dossier_hash, field.code if field else None,
                                   event.procedure_code, event.deciding_unit_id)
    url = receipt_url(counter, token)
    expires = datetime.now().astimezone() + timedelta(seconds=receipt_link_seconds())
    return {"url": url, "expires_at": _iso(expires), "counter": counter.code,
            "qr_png_base64": base64.b64encode(qr_png(url, box_size=6)).decode("ascii")}


def event_reply(event: DossierEvent, created: bool) -> dict:
    decider = db.session.get(Unit, event.deciding_unit_id) if event.deciding_unit_id else None
    invitation = event.invitation
    return {
        "event": event.event,
        "created": created,
        "receiving_unit": db.session.get(Unit, event.unit_id).code,
        "deciding_agency": decider.code if decider else None,
        "channel": event.channel,
        "arm": event.arm,
        "link": _link(event) if event.arm == "counter" else None,
        "invitation": None if invitation is None else {
            "channel": invitation.channel, "status": invitation.status,
            "send_after": _iso(invitation.send_after)},
    }


def _json_body() -> object:
    try:
        return request.get_json(silent=True)
    except RecursionError:
        return None


@bp.post("/dossier-events")
@limiter.limit(lambda: current_app.config["API_RATE_LIMIT"], key_func=_limit_key)
def dossier_event():
    """Body: {"event", "dossier_code", "channel", "received_at"?, "returned_at"?,
    "receiving_unit"?, "counter"?, "deciding_agency"?, "field"?, "procedure_code"?,
    "contact"?: {"phone"} | {"email"}} → 201 (new) or 200 (already recorded)."""
    data = _json_body()
    if not isinstance(data, dict):
        return render_error(400, "the body must be a JSON object")
    try:
        checked = check_event(data, g.api_unit)
    except ReceiptLinkError as exc:  # DossierEventError, or a shared check's
        body, _ = render_error(422, exc.message)
        body["field"] = exc.field
        return body, 422
    try:
        recorded = record_event(checked, "api")
        if recorded.created and recorded.event.arm is not None:
            take_link(g.api_unit)  # either arm hands out one signed link
        db.session.commit()
    except ReceiptQuotaExceeded as exc:
        body, _ = render_error(429, f"this unit's key has issued its {exc.quota} survey links "
                                    "for today (RECEIPT_LINKS_PER_DAY); try again tomorrow")
        return body, 429, {"Retry-After": str(_seconds_to_midnight())}
    except IntegrityError:  # the same event from a concurrent request won the race
        db.session.rollback()
        stored = existing_event(checked.unit.id, checked.dossier_hash, checked.event)
        if stored is None:
            raise
        return event_reply(stored, False), 200
    return event_reply(recorded.event, recorded.created), 201 if recorded.created else 200
