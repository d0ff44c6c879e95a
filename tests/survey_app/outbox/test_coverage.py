"""Coverage per unit × field × channel equals the counts taken directly from the events,
invitations and responses, row by row (SQLite and PostgreSQL)."""

from __future__ import annotations

import random
from collections import Counter
from datetime import UTC, date, datetime, timedelta

import sqlalchemy as sa

from survey_app.extensions import db
from survey_app.models import Counter as Quay
from survey_app.models import DossierEvent, Field, Invitation, Response, Unit
from survey_app.services.coverage import coverage_rows
from survey_app.services.dossier_events import check_event, record_event
from tests.factories import make_counter, make_response, make_unit
from tests.survey_app.outbox.conftest import make_outbox_world

START, END = date(2026, 11, 1), date(2026, 11, 30)
# Returned around the period's edges in Viet Nam time (UTC+7): out, in, in, in, out.
EDGES = (datetime(2026, 10, 31, 16, 59, 59, tzinfo=UTC), datetime(2026, 10, 31, 17, 0, tzinfo=UTC),
         datetime(2026, 11, 17, 5, 0, tzinfo=UTC), datetime(2026, 11, 30, 16, 59, tzinfo=UTC),
         datetime(2026, 11, 30, 17, 0, tzinfo=UTC))


def _world(app) -> None:
    make_outbox_world(app, share=0.5)
    rng = random.Random(14)
    with app.app_context():
        other = make_unit("X-HAI", "UBND xã Hai")
        other.invite_later_share = 1.0
        make_counter(other, "MC")
        db.session.commit()
        n = 0
        for unit_code in ("X-TEST", "X-HAI"):
            for returned in EDGES:
                for _ in range(6):
                    n += 1
                    body = {"event": "returned", "dossier_code": f"HS-{n}",
                            "receiving_unit": unit_code,
                            "channel": rng.choice(["counter", "online", "postal"]),
                            "field": rng.choice(["dat-dai", None]),
                            "returned_at": returned.isoformat()}
                    if rng.random() < 0.7:
                        body["contact"] = {"email": f"c{n}@example.vn"}
                    record_event(check_event(body, None), "api")
        db.session.commit()
        for invitation in db.session.scalars(sa.select(Invitation)):
            status = rng.choice(["sent", "delivered", "failed", "expired", "pending"])
            if status != "pending":
                invitation.contact_cipher, invitation.status = None, status
        for event in db.session.scalars(sa.select(DossierEvent)):
            if rng.random() < 0.5:
                counter = db.session.scalar(sa.select(Quay).filter_by(unit_id=event.unit_id))
                flagged = rng.random() < 0.2
                make_response(counter, dossier_hash=event.dossier_hash,
                              status="flagged" if flagged else "valid",
                              status_reason="quá nhanh" if flagged else None,
                              submitted_at=event.returned_at + timedelta(hours=3))
        db.session.commit()


def _direct(app) -> dict:
    """The same figures counted in Python from the rows themselves."""
    begin = datetime(2026, 10, 31, 17, 0, tzinfo=UTC)  # 2026-11-01 00:00 in Viet Nam
    after = datetime(2026, 11, 30, 17, 0, tzinfo=UTC)
    out: dict = {}
    with app.app_context():
        answered = {(r.unit_id, r.dossier_hash) for r in db.session.scalars(
            sa.select(Response).filter_by(status="valid"))}
        for e in db.session.scalars(sa.select(DossierEvent).filter_by(event="returned")):
            if not begin <= e.returned_at < after:
                continue
            tally = out.setdefault((e.unit_id, e.field_id, e.channel), Counter())
            tally["returned"] += 1
            status = e.invitation.status if e.invitation else None
            tally["invited"] += status in ("sent", "delivered")
            tally["delivered"] += status == "delivered"
            hit = (e.unit_id, e.dossier_hash) in answered
            tally["responses"] += hit
            tally["responses_counter_arm"] += hit and e.arm == "counter"
            tally["responses_later_arm"] += hit and e.arm == "later"
    return out


def test_coverage_equals_the_counts_taken_from_the_rows(any_app):
    _world(any_app)
    expected = _direct(any_app)
    with any_app.app_context():
        rows = coverage_rows(START, END)
        got = {(r.unit_id, r.field_id, r.channel): Counter({
            k: getattr(r, k) for k in ("returned", "invited", "delivered", "responses",
                                       "responses_counter_arm", "responses_later_arm")
            if getattr(r, k)}) for r in rows}
        assert got == expected
        assert sum(r.returned for r in rows) == 2 * 3 * 6  # three days of the period, two units
        rate = rows[0].response_rate
        assert rate == rows[0].responses / rows[0].returned
        hai = db.session.scalar(sa.select(Unit.id).filter_by(code="X-HAI"))
        only = coverage_rows(START, END, frozenset({hai}))
        assert {r.unit_id for r in only} == {hai}


def test_the_coverage_command_prints_a_csv(any_app):
    _world(any_app)
    result = any_app.test_cli_runner().invoke(args=["outbox", "coverage", "--period",
                                                    "2026-M11"])
    assert result.exit_code == 0, result.output
    lines = result.output.strip().splitlines()
    assert lines[0].startswith("period,unit,field,channel,returned")
    assert sum(int(line.split(",")[4]) for line in lines[1:]) == 36
    bad = any_app.test_cli_runner().invoke(args=["outbox", "coverage", "--period", "2026-Q9"])
    assert bad.exit_code != 0 and "2026-Q9" in bad.output


def test_the_coverage_api_equals_the_rows_and_keeps_to_the_users_units(any_app):
    from survey_app.api.openapi import document
    from survey_app.services.credentials import issue_user_token
    from tests.factories import make_user
    from tests.survey_app.api.test_openapi import conforms

    _world(any_app)
    expected = _direct(any_app)
    with any_app.app_context():
        analyst = issue_user_token(make_user("phantich-cv", "analyst", password=None))
        reviewer = issue_user_token(make_user("xahai-cv", "unit", unit="X-HAI", password=None))
        db.session.commit()
        ids = {u.code: u.id for u in db.session.scalars(sa.select(Unit))}
        fields = {f.code: f.id for f in db.session.scalars(sa.select(Field))}
    spec = document()
    schema = spec["paths"]["/coverage"]["get"]["responses"]
    client = any_app.test_client()

    def get(token, query="?period=2026-M11"):
        reply = client.get(f"/api/v1/coverage{query}",
                           headers={"Authorization": f"Bearer {token}"} if token else {})
        conforms(reply.get_json(), schema[str(reply.status_code)]["content"][
            "application/json"]["schema"], spec)
        return reply

    rows = get(analyst).get_json()["rows"]
    got = {(ids[r["unit_code"]], fields.get(r["field_code"]), r["channel"]): Counter({
        k: r[k] for k in ("returned", "invited", "delivered", "responses",
                          "responses_counter_arm", "responses_later_arm") if r[k]})
        for r in rows}
    assert got == expected
    own = get(reviewer).get_json()["rows"]
    assert own and {r["unit_code"] for r in own} == {"X-HAI"}
    assert get(analyst, "?period=2026-Q9").status_code == 400
    assert get(analyst, "?period=2026-M11&unit=X").status_code == 400
    assert get(None).status_code == 401
