"""The responses export on both databases: one streamed query (server-side cursor on
PostgreSQL), rows shuffled by the database, days without times, not-applicable as "na",
sensitive items kept for Nội vụ, demographics never, formulas neutralised, and only valid
responses of the scope."""

from __future__ import annotations

import csv
import io
from collections import Counter
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

from survey_app.extensions import db
from survey_app.models import Answer, Unit
from tests.conftest import StaffAuth
from tests.factories import PASSWORD, make_counter, make_response, make_unit, make_user

N_VALID = 60


def _answers(k: int) -> list[Answer]:
    values = {"TC1": 1 + k % 5, "TT1": None, "OVERALL": 5 - k % 3, "HARASS": 1 + k % 2,
              "GENDER": 1}
    return [Answer(item_code=code, value=value) for code, value in values.items()]


def _world(app) -> None:
    with app.app_context():
        unit = make_unit("X-EXP", "=HYPERLINK(\"http://evil\")")  # a formula as a name
        other = make_unit("X-OTHER", "UBND xã Khác")
        counter = make_counter(unit, "DD", instrument="sipas-2022", field_code="dat-dai")
        outside = make_counter(other, "DD", instrument="sipas-2022", field_code="dat-dai")
        start = datetime(2026, 1, 5, 1, 30, tzinfo=UTC)
        for k in range(N_VALID):
            make_response(counter, submitted_at=start + timedelta(hours=7 * k),
                          answers=_answers(k))
        make_response(counter, status="flagged", status_reason="burst", submitted_at=start,
                      answers=_answers(0))
        make_response(outside, submitted_at=start, answers=_answers(1))
        make_user("exp-analyst", "analyst")
        db.session.commit()


def _download(client, unit_id: int) -> list[dict]:
    reply = client.get(f"/xuat/phieu.csv?ky=2026-Q1&don_vi={unit_id}")
    assert reply.status_code == 200
    return list(csv.DictReader(io.StringIO(reply.get_data(as_text=True).lstrip("\ufeff"))))


def test_responses_export_streams_the_scope_shuffled_on_both_databases(any_app):
    app = any_app
    _world(app)
    with app.app_context():
        unit_id = db.session.scalar(db.select(Unit.id).filter_by(code="X-EXP"))
    client = app.test_client()
    assert StaffAuth(client).login("exp-analyst", PASSWORD).status_code == 302
    first, second = _download(client, unit_id), _download(client, unit_id)

    assert len(first) == len(second) == N_VALID  # neither the flagged nor the other unit
    assert [int(r["row"]) for r in first] == list(range(1, N_VALID + 1))
    assert {r["unit_code"] for r in first} == {"X-EXP"}
    assert {r["unit_name"] for r in first} == {"'=HYPERLINK(\"http://evil\")"}  # inert
    expected = Counter(((datetime(2026, 1, 5, 1, 30, tzinfo=UTC) + timedelta(hours=7 * k))
                        .astimezone(ZoneInfo("Asia/Ho_Chi_Minh"))
                        .date().isoformat(), str(1 + k % 5), str(5 - k % 3), str(1 + k % 2))
                       for k in range(N_VALID))
    for rows in (first, second):
        got = Counter((r["date"], r["TC1"], r["OVERALL"], r["HARASS"]) for r in rows)
        assert got == expected  # every answer in its column, local day only
        assert {r["TT1"] for r in rows} == {"na"} and {r["TC2"] for r in rows} == {""}
        assert "GENDER" not in rows[0]  # demographics never leave
    order = [[(r["date"], r["TC1"], r["OVERALL"]) for r in rows] for rows in (first, second)]
    stored = sorted(order[0])
    assert order[0] != stored or order[1] != stored  # not in date order
    assert order[0] != order[1]  # a new order for every download


def test_fast_csv_writes_what_the_generic_writer_writes(any_app):
    """csv_chunks puts rows together from pre-encoded parts; the text must be the one
    writers.csv_stream makes of rows() (the XLSX rows), row numbers and order aside."""
    from survey_app.exports import responses as resp
    from survey_app.exports.writers import csv_stream
    from survey_app.reporting.indices import ReportScope

    _world(any_app)
    with any_app.app_context():
        scope = ReportScope.for_period("2026-Q1")
        lay = resp.layout(scope, sensitive=True)
        fast = "".join(resp.csv_chunks(scope, lay, page_size=7)).split("\r\n")
        generic = "".join(csv_stream(resp.header(lay), resp.rows(scope, lay))).split("\r\n")
    assert fast[0] == generic[0] and fast[0].startswith("\ufeffrow,unit_code")
    assert len(fast) == len(generic) == 1 + N_VALID + 1 + 1  # + the other unit, + final ""
    assert Counter(line.split(",", 1)[-1] for line in fast[1:]) == \
        Counter(line.split(",", 1)[-1] for line in generic[1:])
    assert any("'=HYPERLINK" in line for line in fast)
