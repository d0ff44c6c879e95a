"""The indices API returns the engine's numbers, scoped per user, with clear 4xx."""

from __future__ import annotations

import pytest
import sqlalchemy as sa

from survey_app.extensions import db
from survey_app.models import AuditLog, Field, Unit
from survey_app.reporting import ReportScope, compute_indices_sql
from survey_app.services.scoping import subtree_ids

PERIOD = "2026-Q2"


def _codes(app, model) -> dict[int, str]:
    with app.app_context():
        return dict(db.session.execute(sa.select(model.id, model.code)).all())


def test_by_unit_equals_the_engine(demo_app, api):
    body = api("phantich", f"?period={PERIOD}&by=unit").get_json()
    with demo_app.app_context():
        table = compute_indices_sql(ReportScope.for_period(PERIOD), by=("unit",))
    engine = table[table["level"] == "overall"]
    codes = _codes(demo_app, Unit)
    rows = {r["unit_code"]: r for r in body["rows"]}
    assert len(rows) == len(engine)
    for r in engine.itertuples():
        got = rows[codes[r.unit_id]]
        assert (got["estimate"], got["ci_low"], got["ci_high"], got["se"]) == (
            r.estimate, r.ci_low, r.ci_high, r.se)
        assert (got["n_respondents"], got["n_answers"], got["method"]) == (
            r.n_respondents, r.n_answers, r.method)


def test_unit_field_elements_equal_the_engine(demo_app, api):
    codes = _codes(demo_app, Unit)
    xan = next(i for i, c in codes.items() if c == "X-AN")
    body = api("xuanan", f"?period={PERIOD}&by=unit,field&level=element").get_json()
    with demo_app.app_context():
        scope = ReportScope.for_period(PERIOD, unit_ids=tuple(subtree_ids([xan])))
        table = compute_indices_sql(scope, by=("unit", "field"))
    engine = table[table["level"] == "element"]
    fields = _codes(demo_app, Field)
    expected = {(codes[r.unit_id], fields[r.field_id], r.index): r.estimate
                for r in engine.itertuples()}
    got = {(r["unit_code"], r["field_code"], r["index"]): r["estimate"] for r in body["rows"]}
    assert got == expected and got


def test_unit_user_sees_only_its_subtree(api):
    body = api("xuanan", f"?period={PERIOD}&by=unit&level=all").get_json()
    assert {r["unit_code"] for r in body["rows"]} == {"X-AN"}
    assert api("xuanan", f"?period={PERIOD}&unit=X-BI").status_code == 404
    assert api("xuanan", f"?period={PERIOD}&unit=NOPE").status_code == 404
    own = api("xuanan", f"?period={PERIOD}&unit=X-AN")
    assert own.status_code == 200 and own.get_json()["rows"]


@pytest.mark.parametrize("role", ["receiving", "deciding"])
@pytest.mark.parametrize("username", ["admin", "phantich", "xuanan", "tnmt"])
@pytest.mark.parametrize("unit", ["X-AN", "X-BI", "H-XH"])
def test_matrix(demo_app, api, username, unit, role):
    """user role × own/other unit × attribution role: 200 within the scope, 404 outside,
    never another unit's data (tests/survey_app/test_two_roles.py has a dossier received
    in one unit and decided in another)."""
    own = {"xuanan": "X-AN", "tnmt": "P-TNMT"}.get(username)
    response = api(username, f"?period={PERIOD}&unit={unit}&by=unit&role={role}")
    if own is None:
        assert response.status_code == 200
        return
    if unit != own:
        assert response.status_code == 404
        text = response.get_data(as_text=True)
        with demo_app.app_context():
            names = db.session.scalars(sa.select(Unit.name_vi).where(Unit.code != own)).all()
        assert not any(name in text for name in names)
        assert "rows" not in response.get_json()
        return
    assert response.status_code == 200
    assert {r["unit_code"] for r in response.get_json()["rows"]} <= {own}
    assert response.get_json()["role"] == role


@pytest.mark.parametrize("token", [None, "", "not-a-token", "x" * 500])
def test_401_without_or_with_a_bad_token(api, token):
    response = api(None, f"?period={PERIOD}", token=token) if token else api(None)
    assert response.status_code == 401
    assert response.is_json and "Bearer" in response.get_json()["message"]
    assert response.headers["WWW-Authenticate"].startswith("Bearer")


def test_a_disabled_users_token_stops_working(demo_app, api):
    with demo_app.app_context():
        from survey_app.models import User
        db.session.scalar(sa.select(User).filter_by(username="phantich")).active = False
        db.session.commit()
    assert api("phantich", f"?period={PERIOD}").status_code == 401


def test_unit_key_does_not_open_the_indices(demo_app, api):
    from survey_app.services.credentials import issue_unit_key

    with demo_app.app_context():
        key = issue_unit_key(db.session.scalar(sa.select(Unit).filter_by(code="X-AN")))
        db.session.commit()
    assert api(None, f"?period={PERIOD}", token=key).status_code == 401


@pytest.mark.parametrize("query, text", [
    ("?period=2026-Q9", "Kỳ báo cáo không hợp lệ"),
    ("?period=abc", "Kỳ báo cáo không hợp lệ"),
    ("?by=counter", "by"),
    ("?level=everything", "level"),
    ("?method=magic", "method"),
    ("?field=khong-co", "Lĩnh vực không tồn tại"),
    ("?perod=2026-Q2", "Tham số không được hỗ trợ"),
    ("?role=counter", "Tham số role phải là receiving"),
])
def test_bad_parameters_are_400_json(api, query, text):
    response = api("phantich", query)
    assert response.status_code == 400
    assert response.is_json and text in response.get_json()["message"]


def test_calls_are_audited(demo_app, api):
    assert api("xuanan", f"?period={PERIOD}&by=unit").status_code == 200
    with demo_app.app_context():
        entry = db.session.scalar(sa.select(AuditLog).filter_by(action="api.indices"))
    assert (entry.username, entry.role) == ("xuanan", "unit")
    assert entry.detail == {"period": PERIOD, "by": "unit"}


def test_rate_limited(demo_app, api):
    demo_app.config["API_RATE_LIMIT"] = "2 per minute"
    assert api("phantich", f"?period={PERIOD}").status_code == 200
    assert api("phantich", f"?period={PERIOD}").status_code == 200
    response = api("phantich", f"?period={PERIOD}")
    assert response.status_code == 429 and response.is_json


def test_cli_issues_a_working_token(demo_app):
    runner = demo_app.test_cli_runner()
    result = runner.invoke(args=["user-token", "issue", "phantich"])
    assert result.exit_code == 0, result.output
    token = result.stdout.strip().splitlines()[0]
    client = demo_app.test_client()
    ok = client.get(f"/api/v1/indices?period={PERIOD}", headers={"Authorization": f"Bearer {token}"})
    assert ok.status_code == 200
    assert runner.invoke(args=["user-token", "revoke", "phantich"]).exit_code == 0
    gone = client.get(f"/api/v1/indices?period={PERIOD}",
                      headers={"Authorization": f"Bearer {token}"})
    assert gone.status_code == 401
    assert runner.invoke(args=["user-token", "issue", "nobody"]).exit_code != 0


def test_receipt_links_still_need_the_unit_key(demo_app):
    response = demo_app.test_client().post("/api/v1/receipt-links", json={})
    assert response.status_code == 401


@pytest.mark.parametrize("method", ["wilson", "clopper-pearson", "jeffreys"])
def test_answer_independent_methods_are_labelled_descriptive_only(api, method):
    """Issue 13 item 8: these intervals cover 76–85% with clustered answers; a verdict
    read from them is a false 'met' up to 7% of the time."""
    body = api("phantich", f"?period=2026-Q3&method={method}").get_json()
    assert body["descriptive_only"] is True and "không dùng để kết luận" in body["note"]
    assert api("phantich", "?period=2026-Q3").get_json()["descriptive_only"] is False
