"""Coverage from dossier events (issue 14, item 3, first part): for each receiving unit ×
field × channel of a period, how many dossiers were returned, how many of their citizens
were invited (sent, delivered), how many answered, and the response rate.

One SQL GROUP BY over `dossier_events` (returned, in the period by Viet Nam days), left
joined to its invitation and to the valid response of the same (unit, dossier hash):
responses are unique on that pair, so each event meets at most one response. Responses
are also split by the event's arm, so a unit whose answers come almost only from the
counter arm can be seen. Kept apart from survey_app/reporting (being reshaped); the
dashboard, the PDF and the API can read `coverage_rows` once wired.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta, timezone

import sqlalchemy as sa

from survey_app.extensions import db
from survey_app.models import DossierEvent, Invitation, Response

VIETNAM = timezone(timedelta(hours=7))


@dataclass(frozen=True)
class CoverageRow:
    unit_id: int
    field_id: int | None
    channel: str
    returned: int
    invited: int  # invitations sent or delivered
    delivered: int
    responses: int  # valid responses through a dossier link
    responses_counter_arm: int
    responses_later_arm: int

    @property
    def response_rate(self) -> float | None:
        return self.responses / self.returned if self.returned else None


def _utc_bounds(start: date, end: date) -> tuple[datetime, datetime]:
    """[first day 00:00, day after the last 00:00) in Viet Nam time, as UTC."""
    return (datetime.combine(start, time.min, VIETNAM).astimezone(UTC),
            datetime.combine(end + timedelta(days=1), time.min, VIETNAM).astimezone(UTC))


def coverage_rows(start: date, end: date, unit_ids: frozenset[int] | None = None
                  ) -> list[CoverageRow]:
    """Coverage per (receiving unit, field, channel) of dossiers returned from `start` to
    `end` (inclusive, Viet Nam days); `unit_ids` narrows to those receiving units."""
    begin, after = _utc_bounds(start, end)
    e, i, r = DossierEvent, Invitation, Response

    def count_if(condition):
        return sa.func.coalesce(sa.func.sum(sa.case((condition, 1), else_=0)), 0)

    query = (
        sa.select(e.unit_id, e.field_id, e.channel, sa.func.count(e.id),
                  count_if(i.status.in_(("sent", "delivered"))),
                  count_if(i.status == "delivered"), sa.func.count(r.id),
                  count_if(sa.and_(r.id.is_not(None), e.arm == "counter")),
                  count_if(sa.and_(r.id.is_not(None), e.arm == "later")))
        .select_from(e)
        .outerjoin(i, i.event_id == e.id)
        .outerjoin(r, sa.and_(r.unit_id == e.unit_id, r.dossier_hash == e.dossier_hash,
                              r.status == "valid"))
        .where(e.event == "returned", e.returned_at >= begin, e.returned_at < after)
        .group_by(e.unit_id, e.field_id, e.channel)
        .order_by(e.unit_id, e.field_id, e.channel))
    if unit_ids is not None:
        query = query.where(e.unit_id.in_(sorted(unit_ids)))
    return [CoverageRow(*(row[:3]), *(int(v) for v in row[3:]))
            for row in db.session.execute(query)]
