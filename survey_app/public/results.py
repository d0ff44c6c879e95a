"""GET /ket-qua/<unit code>: a unit's published headline index, for citizens (opt-in).

Only units whose admin turned on `publish_results` have a page; any other code is a 404,
exactly like an unknown one. The page shows the headline index and its 95% interval for
the last complete reporting quarter and the three before it — no unit table, no
comments, no sample details beyond what the interval already says. The numbers are the
engine's for the unit and the units below it, like the dashboard's unit view; they are
kept a few minutes in memory so that a shared link cannot make the server recompute.
"""

from __future__ import annotations

import time

import sqlalchemy as sa
from flask import abort, render_template

from analysis.periods import default_period, recent_periods
from analysis.periods import today as current_day
from survey_app.extensions import db, limiter
from survey_app.models import Unit
from survey_app.public import bp
from survey_app.reporting import compute_indices_sql
from survey_app.reporting.dashboard import ANYONE, report_scope
from survey_app.reporting.periods import period_name
from survey_app.reporting.query import DashboardQuery

CACHE_SECONDS = 300
PERIODS_SHOWN = 4
_CACHE: dict = {}


def _headline(unit_id: int, period: str, as_of) -> dict | None:
    # Published: anyone may read it, so the scope is the unit's subtree, whoever asks,
    # on today's structure (a merged commune's earlier quarters are its predecessors').
    table = compute_indices_sql(report_scope(DashboardQuery(period, unit_id, as_of=as_of),
                                             ANYONE))
    overall = table[table["level"] == "overall"]
    if overall.empty:
        return None
    row = overall.iloc[0]
    return {"period": period, "estimate": float(row["estimate"]),
            "ci_low": float(row["ci_low"]), "ci_high": float(row["ci_high"])}


def published_results(unit: Unit, today=None) -> list[dict]:
    """Headline of the last PERIODS_SHOWN reporting quarters, newest first (None: no data)."""
    last = default_period(today or current_day())
    as_of = current_day()
    key = (unit.id, last, as_of)
    hit = _CACHE.get(key)
    if hit and time.monotonic() - hit[0] < CACHE_SECONDS:
        numbers = hit[1]
    else:
        if len(_CACHE) > 1024:
            _CACHE.clear()
        numbers = [(p, _headline(unit.id, p, as_of))
                   for p in reversed(recent_periods(last, PERIODS_SHOWN))]
        _CACHE[key] = (time.monotonic(), numbers)
    # Only the numbers are kept: the names are this visitor's language, not the first
    # visitor's (a Vietnamese visitor was shown "Quarter III 2026").
    return [{"period": p, "name": period_name(p), "result": result} for p, result in numbers]


@bp.get("/ket-qua/<code>")
@limiter.limit("60 per minute")
def results(code: str):
    unit = db.session.scalar(sa.select(Unit).where(Unit.code == code[:32], Unit.active.is_(True),
                                                   Unit.publish_results.is_(True)))
    if unit is None:
        abort(404)
    return render_template("public/results.html", unit=unit, rows=published_results(unit))
