"""Receipt links for one dossier, asked for by the one-stop software with its unit API key
(survey_app.services.credentials)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta

import sqlalchemy as sa

from survey_app.extensions import db
from survey_app.models import Counter, Unit
from survey_app.services.qr import receipt_url
from survey_app.services.submission import active_field
from survey_app.services.survey_tokens import issue_receipt_token, receipt_link_seconds

MAX_DOSSIER_CODE = 64
MAX_PROCEDURE_CODE = 40
MAX_UNIT_CODE = 32


class ReceiptLinkError(ValueError):
    """A request the link cannot be made for; `field` names the offending input."""

    def __init__(self, field: str, message: str):
        super().__init__(f"{field}: {message}")
        self.field = field
        self.message = message


@dataclass(frozen=True)
class ReceiptLink:
    url: str
    token: str
    expires_at: datetime
    counter: Counter
    deciding_unit: Unit | None = None


def _clean(value: object, field: str, limit: int, required: bool) -> str | None:
    if value is None or value == "":
        if required:
            raise ReceiptLinkError(field, "is required")
        return None
    if not isinstance(value, str):
        raise ReceiptLinkError(field, "must be a string")
    value = value.strip()
    if not value or len(value) > limit or not value.isprintable():
        raise ReceiptLinkError(field, f"must be 1–{limit} printable characters")
    return value


def deciding_agency(code: object, today: date | None = None) -> Unit | None:
    """The unit named by its unit code or official administrative code, which must exist,
    be active and be valid today; None when no code was given."""
    code = _clean(code, "deciding_agency", MAX_UNIT_CODE, False)
    if code is None:
        return None
    found = db.session.scalars(sa.select(Unit).where(
        sa.or_(Unit.code == code, Unit.admin_code == code))).all()
    if not found:
        raise ReceiptLinkError("deciding_agency", f"unknown unit code {code!r}")
    today = today or date.today()
    live = [u for u in found if u.active and u.valid_on(today)]
    if len(live) != 1:
        raise ReceiptLinkError("deciding_agency",
                               f"unit {code!r} is not an active unit valid today"
                               if not live else f"code {code!r} names several units")
    return live[0]


def make_receipt_link(unit: Unit, counter_code: object, dossier_code: object,
                      field_code: object = None, procedure_code: object = None,
                      base_url: str | None = None,
                      deciding_code: object = None) -> ReceiptLink:
    """The survey link for one dossier at one of the unit's counters, valid RECEIPT_LINK_DAYS."""
    code = _clean(dossier_code, "dossier_code", MAX_DOSSIER_CODE, True)
    counter_code = _clean(counter_code, "counter", 32, True)
    field = _clean(field_code, "field", 32, False)
    procedure = _clean(procedure_code, "procedure_code", MAX_PROCEDURE_CODE, False)
    decider = deciding_agency(deciding_code)
    counter = db.session.scalar(db.select(Counter).filter_by(unit_id=unit.id, code=counter_code))
    if counter is None or not counter.active:
        raise ReceiptLinkError("counter", f"no active counter {counter_code!r} in unit {unit.code}")
    if field is not None and active_field(field) is None:
        raise ReceiptLinkError("field", f"unknown field code {field!r}")
    token = issue_receipt_token(counter.id, code, field, procedure,
                                decider.id if decider else None)
    expires = datetime.now().astimezone() + timedelta(seconds=receipt_link_seconds())
    return ReceiptLink(receipt_url(counter, token, base_url), token, expires, counter, decider)
