"""/xuat/tra-loi.csv: the app's answers in the CLI's own format. An analyst reruns the
statistics with `python -m analysis indices` (in-process, through main) and gets the
dashboard's numbers; unit users get 403; rows are shuffled, pseudonymous, neutralised
and audited."""

from __future__ import annotations

import csv
import io

import pandas as pd
import pytest
import sqlalchemy as sa

from analysis.cli import main
from analysis.io import REQUIRED_COLUMNS
from survey_app.extensions import db
from survey_app.models import AuditLog, Unit, User
from survey_app.reporting import ReportScope, compute_indices_sql
from survey_app.reporting.dashboard import DashboardQuery, build_dashboard
from tests.conftest import StaffAuth, add_user
from tests.survey_app.other_rule import OVERALL_CODE, add_only_five_world

PERIOD = "2026-Q2"
HEADER = ["response_id", "unit", "field", "period", "element", "item", "value", "satisfied",
          "receiving_unit", "deciding_unit"]


def _rerun(tmp_path, body: bytes, *options: str) -> pd.DataFrame:
    answers, out = tmp_path / "tra-loi.csv", tmp_path / "chi-so.csv"
    answers.write_bytes(body)
    assert main(["indices", str(answers), "--out", str(out), *options]) == 0
    return pd.read_csv(out)


def _overall(table: pd.DataFrame) -> pd.Series:
    return table[table["level"] == "overall"].iloc[0]


def test_analyst_reruns_the_cli_on_the_export_and_gets_the_dashboards_number(
        demo_app, login, tmp_path):
    response = login("phantich").get(f"/xuat/tra-loi.csv?ky={PERIOD}")
    assert response.status_code == 200 and response.mimetype == "text/csv"
    rows = list(csv.reader(io.StringIO(response.get_data(as_text=True).lstrip("\ufeff"))))
    assert rows[0] == HEADER and set(REQUIRED_COLUMNS) <= set(rows[0])
    cli = _overall(_rerun(tmp_path, response.data))
    with demo_app.app_context():
        dashboard = _overall(compute_indices_sql(ReportScope.for_period(PERIOD)))
    assert cli["estimate"] == pytest.approx(dashboard["estimate"], abs=1e-12)
    assert cli["ci_low"] == pytest.approx(dashboard["ci_low"], abs=1e-9)
    assert cli["n_respondents"] == dashboard["n_respondents"]
    # pseudonymous and shuffled: response numbers are 1..N, not in file order
    ids = [int(r[0]) for r in rows[1:]]
    assert sorted(set(ids)) == list(range(1, dashboard["n_respondents"] + 1))
    first_seen = list(dict.fromkeys(ids))
    assert first_seen != sorted(first_seen)
    assert {r[3] for r in rows[1:]} == {PERIOD}


def test_unit_users_may_not_have_row_level_data(login):
    response = login("xuanan").get(f"/xuat/tra-loi.csv?ky={PERIOD}")
    assert response.status_code == 403


def test_the_export_is_audited(demo_app, login):
    assert login("admin").get(f"/xuat/tra-loi.csv?ky={PERIOD}").status_code == 200
    with demo_app.app_context():
        entries = db.session.scalars(sa.select(AuditLog)
                                     .where(AuditLog.action == "export.answers")).all()
    assert [(e.username, e.detail["format"], e.detail["ky"]) for e in entries] == [
        ("admin", "csv", PERIOD)]


def test_other_satisfied_rule_and_overall_code_travel_with_the_export(app, tmp_path):
    """Only 5 counts as satisfied and the overall question is CHUNG: the export carries
    the stored flags, so the CLI agrees with the dashboard without knowing the rule; the
    overall question is not exported as an element; a unit code that a spreadsheet
    would run is neutralised."""
    add_only_five_world(app)
    add_user(app, "phantich-xuat", "analyst")
    with app.app_context():
        db.session.scalar(sa.select(Unit).filter_by(code="X-R1")).code = "=HYPERLINK(1)"
        db.session.commit()
    client = app.test_client()
    assert StaffAuth(client).login("phantich-xuat", "mat-khau-rat-dai").status_code == 302
    response = client.get(f"/xuat/tra-loi.csv?ky={PERIOD}")
    assert response.status_code == 200
    text = response.get_data(as_text=True)
    assert f":{OVERALL_CODE}," not in text and "\n=HYPERLINK" not in text
    assert ",'=HYPERLINK(1)," in text
    table = _rerun(tmp_path, response.data, "--by", "unit")
    with app.app_context():
        analyst = db.session.scalar(sa.select(User).filter_by(username="phantich-xuat"))
        board = build_dashboard(analyst, DashboardQuery(PERIOD))
    cli = _rerun(tmp_path, response.data)
    assert _overall(cli)["estimate"] == pytest.approx(board.headline["estimate"], abs=1e-12)
    by_unit = table[table["level"] == "overall"].set_index("unit")["estimate"]
    dash_units = board.units.set_index("code")["estimate"]
    for code, estimate in by_unit.items():
        assert estimate == pytest.approx(dash_units[code.lstrip("'")], abs=1e-12)
    assert _overall(cli)["estimate"] < 0.5  # value ≥ 4 would give about 0.6
