"""Results on the structure of a date (issue 12 item 2, survey_app.reporting.rebase).

A merged commune's 2024 index, shown on the 2026 structure, is its predecessors'
responses computed together: the same numbers (to 1e-12) as the engine run directly on
those responses, from the raw answers through analysis.indices, in the dashboard, the
CSV export, the API and the PDF (pdftotext), on SQLite and PostgreSQL. A split follows
its counter rule exactly; a counter without a rule leaves its responses on the old unit,
shown under its own name with a note, and nothing is divided. The world is
tests/factories.make_lineage_world."""

from __future__ import annotations

import csv
import io
import shutil
import subprocess
from datetime import date

import numpy as np
import pandas as pd
import pytest
import sqlalchemy as sa

from analysis.formatting import percent
from analysis.indices import compute_indices
from analysis.periods import period_bounds
from survey_app.extensions import db
from survey_app.models import Answer, InstrumentVersion, Response, User
from survey_app.reporting import ReportScope, compute_indices_sql
from survey_app.reporting.dashboard import build_dashboard, dashboard_for
from survey_app.reporting.query import DashboardQuery
from survey_app.services.credentials import issue_user_token
from tests.conftest import StaffAuth
from tests.factories import PASSWORD, make_lineage_world

PERIOD = "2024-Q2"
TODAY = date(2026, 12, 1)  # on the two-tier structure
BEFORE = date(2024, 6, 1)  # on the structure of 2024
NUMBERS = ("estimate", "ci_low", "ci_high", "se")


@pytest.fixture(autouse=True)
def fresh_dashboard_cache(monkeypatch):
    """dashboard_for keeps a minute per process, keyed by user and query, not database:
    each test's world starts with an empty cache (as test_thresholds does)."""
    from survey_app.reporting import dashboard

    monkeypatch.setattr(dashboard, "_CACHE", {})


def _same(a, b, what: str) -> None:
    for col in ("estimate", "ci_low", "ci_high"):
        assert float(a[col]) == pytest.approx(float(b[col]), rel=1e-12, abs=1e-15), (what, col)


def _raw(app, world, counters: tuple[str, ...], period: str = PERIOD) -> dict:
    """The overall index of the responses received at `counters` in `period`, from their
    raw answers through analysis.indices (no SQL pattern path, no lineage): stratum = the
    unit that ran the survey, as in every report."""
    start, end = period_bounds(period)
    ids = [i for c in counters for i in world.responses[c]]
    with app.app_context():
        rows = db.session.execute(
            sa.select(Answer.response_id, Answer.element_code, InstrumentVersion.code,
                      Answer.item_code, Answer.value, Answer.satisfied, Response.unit_id,
                      Response.submitted_at)
            .join(Response, Response.id == Answer.response_id)
            .join(InstrumentVersion, InstrumentVersion.id == Response.instrument_version_id)
            .where(Answer.response_id.in_(ids), Answer.element_code.is_not(None))).all()
    frame = pd.DataFrame(rows, columns=["response_id", "element", "iv", "item_code", "value",
                                        "satisfied", "stratum", "at"])
    day = frame["at"].map(lambda t: (pd.Timestamp(t).tz_convert("Asia/Ho_Chi_Minh")).date())
    frame = frame[(day >= start) & (day <= end)]
    frame["item"] = frame["iv"] + ":" + frame["item_code"]
    frame["value"] = pd.to_numeric(frame["value"]).astype(float)
    frame["satisfied"] = frame["satisfied"].map(lambda s: np.nan if s is None else float(s))
    table = compute_indices(frame[["response_id", "element", "item", "value", "satisfied",
                                   "stratum"]])
    row = table[table["level"] == "overall"].iloc[0]
    n = frame["response_id"].nunique()
    return {**{k: float(row[k]) for k in NUMBERS}, "n_respondents": int(row["n_respondents"]),
            "responses": n}


def _user(username: str) -> User:
    return db.session.scalar(sa.select(User).filter_by(username=username))


def _api(app, username: str, query: str) -> dict:
    with app.app_context():
        token = issue_user_token(_user(username))
        db.session.commit()
    reply = app.test_client().get(f"/api/v1/indices{query}",
                                  headers={"Authorization": f"Bearer {token}"})
    assert reply.status_code == 200, reply.get_data(as_text=True)
    return reply.get_json()


def _logged_in(app, username: str):
    client = app.test_client()
    assert StaffAuth(client).login(username, PASSWORD).status_code == 302
    return client


def _csv_units(client, query: str) -> dict[str, dict]:
    reply = client.get(f"/xuat/chi-so.csv{query}")
    assert reply.status_code == 200
    rows = csv.DictReader(io.StringIO(reply.get_data(as_text=True).lstrip("\ufeff")))
    return {r["unit_code"]: r for r in rows if r["table"] == "units"}


def test_a_merged_communes_2024_index_is_its_predecessors_in_every_view(any_app, tmp_path):
    world = make_lineage_world(any_app)
    direct = _raw(any_app, world, ("A", "B"))
    assert direct["responses"] == 21
    start, end = period_bounds(PERIOD)
    with any_app.app_context():
        # The engine on a scope naming the predecessors, on the structure of 2024.
        engine = compute_indices_sql(ReportScope(start, end, (world.units["X-A"],
                                                              world.units["X-B"]), as_of=BEFORE))
        _same(engine[engine["level"] == "overall"].iloc[0], direct, "engine on predecessors")
        analyst = _user("phantich")
        board = build_dashboard(analyst, DashboardQuery(PERIOD, as_of=TODAY))
        rows = {r["code"]: r for r in board.units.to_dict("records")}
        # On 2026's structure X-A and X-B are X-C; before the merge they are themselves.
        assert set(rows) == {"X-C", "X-S1", "X-S2", "X-S"}
        _same(rows["X-C"], direct, "dashboard")
        assert rows["X-C"]["n_respondents"] == direct["n_respondents"]
        assert rows["X-C"]["lineage_note"] is None
        earlier = build_dashboard(analyst, DashboardQuery(PERIOD, as_of=BEFORE)).units
        assert set(earlier["code"]) == {"X-A", "X-B", "X-S"}
        # X-C's own user sees its predecessors' results, re-based; the same numbers.
        own = build_dashboard(_user("u-c"), DashboardQuery(PERIOD, as_of=TODAY)).headline
        _same(own, direct, "X-C's own dashboard")

    client = _logged_in(any_app, "phantich")
    page = client.get(f"/bang-dieu-khien?ky={PERIOD}&ngay={TODAY}").get_data(as_text=True)
    assert (f"UBND xã Cát Mới</a></td>\n      <td class=\"n\">{percent(direct['estimate'])}</td>"
            f"<td class=\"n\">{percent(direct['ci_low'])}–{percent(direct['ci_high'])}</td>"
            in page)
    assert "UBND xã An Cũ</a>" not in page  # shown under its successor, not on its own

    exported = _csv_units(client, f"?ky={PERIOD}&ngay={TODAY}")
    _same(exported["X-C"], direct, "CSV export")
    assert exported["X-C"]["as_of"] == TODAY.isoformat() and exported["X-C"]["unit_note"] == ""

    reply = _api(any_app, "phantich", f"?period={PERIOD}&by=unit&as_of={TODAY}")
    by_unit = {r["unit_code"]: r for r in reply["rows"]}
    assert reply["as_of"] == TODAY.isoformat() and "X-A" not in by_unit
    _same(by_unit["X-C"], direct, "API by unit")
    mine = _api(any_app, "u-c", f"?period={PERIOD}&as_of={TODAY}")["rows"]
    _same(mine[0], direct, "API as X-C's user")
    named = _api(any_app, "phantich", f"?period={PERIOD}&unit=X-C&as_of={TODAY}")["rows"]
    _same(named[0], direct, "API unit=X-C")

    if shutil.which("pdftotext") is None:
        pytest.skip("needs poppler-utils for the PDF")
    any_app.config["REPORT_DIR"] = str(tmp_path / "reports")
    pdf = client.get(f"/bao-cao?ky={PERIOD}&ngay={TODAY}")
    assert pdf.status_code == 200 and pdf.mimetype == "application/pdf"
    (tmp_path / "r.pdf").write_bytes(pdf.data)
    text = " ".join(subprocess.run(["pdftotext", "-layout", str(tmp_path / "r.pdf"), "-"],
                                   check=True, capture_output=True, text=True).stdout.split())
    assert (f"UBND xã Cát Mới {percent(direct['estimate'])} {percent(direct['ci_low'])}–"
            f"{percent(direct['ci_high'])} {direct['n_respondents']}") in text
    assert "cơ cấu tổ chức ngày 01/12/2026" in text


def test_a_split_follows_its_counter_rule_and_divides_nothing(any_app):
    world = make_lineage_world(any_app)
    with any_app.app_context():
        board = build_dashboard(_user("phantich"), DashboardQuery(PERIOD, as_of=TODAY))
    rows = {r["code"]: r for r in board.units.to_dict("records")}
    # Each successor gets exactly the responses of the counters its rule names.
    for code, counters in (("X-S1", ("S-1",)), ("X-S2", ("S-2",))):
        direct = _raw(any_app, world, counters)
        _same(rows[code], direct, code)
        assert rows[code]["n_respondents"] == direct["n_respondents"]
        assert rows[code]["lineage_note"] is None
    # S-3 has no rule: its 5 responses stay on X-S, under its own name, with the note.
    direct = _raw(any_app, world, ("S-3",))
    _same(rows["X-S"], direct, "the old unit's remainder")
    assert rows["X-S"]["n_respondents"] == direct["n_respondents"] == 5
    assert rows["X-S"]["lineage_note"] == "split_unassigned"
    # Nothing divided or lost: the units' respondents add up to the whole.
    assert sum(r["n_respondents"] for r in rows.values()) == board.headline["n_respondents"]

    client = _logged_in(any_app, "phantich")
    page = client.get(f"/bang-dieu-khien?ky={PERIOD}&ngay={TODAY}").get_data(as_text=True)
    assert ("UBND xã Sơn Cũ</a> <span class=\"small muted lineage-note\">(đơn vị cũ đã chia "
            "tách: phiếu ở các quầy chưa được phân cho đơn vị mới, không chia)") in page
    english = client.get(f"/bang-dieu-khien?ky={PERIOD}&ngay={TODAY}&lang=en").get_data(
        as_text=True)
    assert "former unit, split: responses at counters with no assignment rule" in english
    assert _csv_units(client, f"?ky={PERIOD}&ngay={TODAY}")["X-S"]["unit_note"] == \
        "split_unassigned"
    api = {r["unit_code"]: r for r in _api(any_app, "phantich",
                                           f"?period={PERIOD}&by=unit&as_of={TODAY}")["rows"]}
    assert api["X-S"]["unit_note"] == "split_unassigned" and api["X-S1"]["unit_note"] is None
    # Comments follow their response: a comment at S-1 is X-S1's, none is an old unit's
    # except those the split's rule leaves on X-S.
    shown = {c["unit"] for c in board.comments}
    assert "UBND phường Sơn Đông" in shown and shown <= {
        "UBND xã Cát Mới", "UBND phường Sơn Đông", "UBND xã Sơn Tây", "UBND xã Sơn Cũ"}


def test_a_2024_trend_is_shown_on_the_2026_structure(any_app):
    world = make_lineage_world(any_app)
    with any_app.app_context():
        c = world.units["X-C"]
        board = build_dashboard(_user("phantich"), DashboardQuery("2026-Y", c, as_of=TODAY))
    trend = board.trend.set_index("period")
    # 2024: X-A and X-B, now X-C; 2026: X-C's own responses; 2025: none.
    _same(trend.loc["2024-Y"], _raw(any_app, world, ("A", "B"), "2024-Y"), "2024 on 2026")
    _same(trend.loc["2026-Y"], _raw(any_app, world, ("C",), "2026-Y"), "2026")
    assert "2025-Y" not in trend.index
    with any_app.app_context():
        # The figure of the same year and unit reads the same trend.
        units = build_dashboard(_user("phantich"), DashboardQuery("2024-Y", c, as_of=TODAY))
    _same(units.headline, trend.loc["2024-Y"], "headline of 2024 for X-C")


def test_unit_users_see_their_predecessors_and_nothing_more(app):
    world = make_lineage_world(app)
    with app.app_context():
        s1 = build_dashboard(_user("u-s1"), DashboardQuery(PERIOD, as_of=TODAY))
        assert list(s1.units["code"]) == ["X-S1"]
        # The same number as the analyst's X-S1 row: its counters' responses alone.
        direct = _raw(app, world, ("S-1",))
        assert s1.headline["n_respondents"] == direct["n_respondents"]
        _same(s1.headline, direct, "X-S1's own headline")
        # X-A's old account: on today's structure X-A's responses are X-C's, not X-A's.
        a_today = build_dashboard(_user("u-a"), DashboardQuery(PERIOD, as_of=TODAY))
        assert a_today.headline is None and a_today.units.empty
        a_then = build_dashboard(_user("u-a"), DashboardQuery(PERIOD, as_of=BEFORE))
        _same(a_then.headline, _raw(app, world, ("A",)), "X-A on 2024's structure")
        # The cache keeps one dashboard per date.
        assert dashboard_for(_user("u-a"), DashboardQuery(PERIOD, as_of=TODAY)).headline is None
        assert dashboard_for(_user("u-a"), DashboardQuery(PERIOD, as_of=BEFORE)).headline
    client = _logged_in(app, "u-s1")
    # The old unit X-S is not in X-S1's subtree: no way to its other counters' results.
    assert client.get(f"/bang-dieu-khien?ky={PERIOD}&don_vi={world.units['X-S']}").status_code \
        == 404
    reply = _api(app, "u-s1", f"?period={PERIOD}&by=unit&as_of={TODAY}")
    assert [r["unit_code"] for r in reply["rows"]] == ["X-S1"]


def test_the_unit_picker_lists_the_units_of_the_date(app):
    make_lineage_world(app)
    client = _logged_in(app, "phantich")
    today = client.get(f"/bang-dieu-khien?ky={PERIOD}&ngay={TODAY}").get_data(as_text=True)
    then = client.get(f"/bang-dieu-khien?ky={PERIOD}&ngay={BEFORE}").get_data(as_text=True)
    picker = lambda page: page[page.index('id="don_vi"'):page.index('id="linh_vuc"')]  # noqa: E731
    assert "UBND xã Cát Mới" in picker(today) and "UBND xã An Cũ" not in picker(today)
    assert "UBND xã An Cũ" in picker(then) and "UBND xã Cát Mới" not in picker(then)
    assert f'name="ngay" value="{BEFORE}"' in then


@pytest.mark.parametrize("bad", ["2026-13-01", "2026-02-30", "01/12/2026", "1900-01-01",
                                 "2026-1-1", "x" * 300])
def test_a_bad_date_is_a_400_in_the_users_language(app, bad):
    make_lineage_world(app)
    client = _logged_in(app, "phantich")
    for path in ("/bang-dieu-khien", "/xuat/chi-so.csv", "/bao-cao"):
        reply = client.get(f"{path}?ky={PERIOD}&ngay={bad}")
        assert reply.status_code == 400, path
        assert "Ngày không hợp lệ" in reply.get_data(as_text=True)
    english = client.get(f"/bang-dieu-khien?ky={PERIOD}&ngay={bad}&lang=en")
    assert english.status_code == 400 and "Invalid date" in english.get_data(as_text=True)
    with app.app_context():
        token = issue_user_token(_user("phantich"))
        db.session.commit()
    reply = app.test_client().get(f"/api/v1/indices?as_of={bad}",
                                  headers={"Authorization": f"Bearer {token}"})
    assert reply.status_code == 400 and "as_of" in reply.get_json()["message"]


def test_the_deciding_view_is_rebased_too(any_app):
    """A 2024 dossier received at X-A and decided by a department that merged into a 2025
    department counts, on 2026's structure, for X-C in the receiving view and for the new
    department in the deciding view."""
    from survey_app.models import Counter, Unit, UnitLineage
    from tests.factories import REFORM, make_response, make_scored, make_unit

    world = make_lineage_world(any_app)
    with any_app.app_context():
        province = db.session.get(Unit, world.units["T-M"])
        old = make_unit("S-KHDT", "Sở Kế hoạch và Đầu tư", kind="so", level="tinh", parent=province,
                        valid_to=REFORM)
        new = make_unit("S-TC", "Sở Tài chính", kind="so", level="tinh", parent=province)
        db.session.flush()
        db.session.add(UnitLineage(predecessor=old, successor=new, effective_date=REFORM,
                                   change="merge"))
        counter = db.session.get(Counter, world.counters["A"])
        decided = [make_response(counter, submitted_at=pd.Timestamp(f"2024-04-2{i} 03:00",
                                                                      tz="UTC").to_pydatetime(),
                                 deciding_unit_id=old.id) for i in range(4)]
        for i, r in enumerate(decided):
            make_scored(r, 100 + i)
        db.session.commit()
        deciding = build_dashboard(_user("phantich"),
                                   DashboardQuery(PERIOD, role="deciding", as_of=TODAY))
        rows = {r["code"]: r for r in deciding.units.to_dict("records")}
        assert "S-KHDT" not in rows and rows["S-TC"]["n_respondents"] == 4
        receiving = build_dashboard(_user("phantich"), DashboardQuery(PERIOD, as_of=TODAY))
        shown = {r["code"]: r["n_respondents"] for r in receiving.units.to_dict("records")}
    assert shown["X-C"] == _raw(any_app, world, ("A", "B"))["n_respondents"] + 4


def test_a_unit_that_ended_without_successor_keeps_its_name_with_a_note(app):
    """No link to follow: the old unit's results stay its own, with the note in words."""
    from survey_app.models import Unit
    from tests.factories import REFORM, make_counter, make_response, make_scored, make_unit

    make_lineage_world(app)
    with app.app_context():
        province = db.session.scalar(sa.select(Unit).filter_by(code="T-M"))
        ended = make_unit("X-E", "UBND xã Đã Giải Thể", parent=province, valid_to=REFORM)
        counter = make_counter(ended, "E")
        for i in range(3):
            make_scored(make_response(counter, submitted_at=pd.Timestamp(
                f"2024-04-1{i} 03:00", tz="UTC").to_pydatetime()), 200 + i)
        db.session.commit()
        board = build_dashboard(_user("phantich"), DashboardQuery(PERIOD, as_of=TODAY))
    rows = {r["code"]: r for r in board.units.to_dict("records")}
    assert rows["X-E"]["lineage_note"] == "ended_without_successor"
    client = _logged_in(app, "phantich")
    page = client.get(f"/bang-dieu-khien?ky={PERIOD}&ngay={TODAY}&lang=en").get_data(
        as_text=True)
    assert "UBND xã Đã Giải Thể</a> <span class=\"small muted lineage-note\">(unit ended " \
           "without a successor)" in page
    api = {r["unit_code"]: r for r in _api(app, "phantich",
                                           f"?period={PERIOD}&by=unit&as_of={TODAY}")["rows"]}
    assert api["X-E"]["unit_note"] == "ended_without_successor"
