"""Receipt links for one dossier, asked for by the one-stop software with its unit API key
(survey_app.services.credentials).

A key can mint a link for any dossier code, real or not. Two brakes (issue 11):
- a quota of links per unit and day (RECEIPT_LINKS_PER_DAY), counted in
  `receipt_link_counts` in the same transaction, so it holds across workers;
- that count, per unit and day and without dossier codes, is set against the dossier
  volumes the unit reported (`link_reconciliation`, on the admin unit page), so links
  far beyond the dossiers received stand out.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta

import sqlalchemy as sa
from flask import current_app
from sqlalchemy.dialects import postgresql, sqlite

from analysis import periods
from survey_app.extensions import db
from survey_app.models import Counter, DossierVolume, ReceiptLinkCount, Unit
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


class ReceiptQuotaExceeded(Exception):
    """The unit's key has issued its links for today; nothing was counted."""

    def __init__(self, quota: int):
        super().__init__(f"quota of {quota} receipt links per day reached")
        self.quota = quota


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
    today = today or _today()
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
    url = receipt_url(counter, token, base_url)
    _count_link(unit)  # last: only a link actually handed out is counted
    return ReceiptLink(url, token, expires, counter, decider)


def _today() -> date:
    return periods.today()


def _count_link(unit: Unit) -> None:
    """Add one to the unit's count for today and commit, or raise ReceiptQuotaExceeded
    (rolled back)."""
    take_link(unit)
    db.session.commit()


def take_link(unit: Unit) -> None:
    """Add one to the unit's count for today in the caller's transaction, or roll back
    and raise ReceiptQuotaExceeded. The upsert locks the day's row, so concurrent
    requests cannot both take the last link of the quota."""
    quota = int(current_app.config["RECEIPT_LINKS_PER_DAY"])
    day = _today()
    insert = postgresql.insert if db.engine.dialect.name == "postgresql" else sqlite.insert
    table = ReceiptLinkCount.__table__
    db.session.execute(insert(table).values(unit_id=unit.id, day=day, issued=1)
                       .on_conflict_do_update(index_elements=["unit_id", "day"],
                                              set_={"issued": table.c.issued + 1}))
    issued = db.session.scalar(sa.select(table.c.issued).where(
        table.c.unit_id == unit.id, table.c.day == day))
    if issued > quota:
        db.session.rollback()
        raise ReceiptQuotaExceeded(quota)


def link_reconciliation(unit_id: int, limit: int = 8) -> list[dict]:
    """Links issued against dossiers received, per period of the unit's imported volumes
    (newest first): {period, start, end, received, links, exceeds}."""
    periods = db.session.execute(
        sa.select(DossierVolume.period, DossierVolume.period_start, DossierVolume.period_end,
                  sa.func.sum(DossierVolume.received))
        .where(DossierVolume.unit_id == unit_id)
        .group_by(DossierVolume.period, DossierVolume.period_start, DossierVolume.period_end)
        .order_by(DossierVolume.period_start.desc()).limit(limit)).all()
    rows = []
    for period, start, end, received in periods:
        links = int(db.session.scalar(
            sa.select(sa.func.coalesce(sa.func.sum(ReceiptLinkCount.issued), 0))
            .where(ReceiptLinkCount.unit_id == unit_id, ReceiptLinkCount.day >= start,
                   ReceiptLinkCount.day <= end)) or 0)
        rows.append({"period": period, "start": start, "end": end, "received": int(received),
                     "links": links, "exceeds": links > int(received)})
    return rows


def links_issued_since(unit_id: int, days: int) -> int:
    since = _today() - timedelta(days=days - 1)
    return int(db.session.scalar(
        sa.select(sa.func.coalesce(sa.func.sum(ReceiptLinkCount.issued), 0))
        .where(ReceiptLinkCount.unit_id == unit_id, ReceiptLinkCount.day >= since)) or 0)
