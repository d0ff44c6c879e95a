"""A unit user cannot slow everyone through /bao-cao (issue 11): a built report is kept and
served again until its data change, each user may start only a few builds, and a failed
background build is shown with a retry button instead of being restarted every 5 s."""

from __future__ import annotations

import time
from datetime import UTC, datetime

import pytest
import sqlalchemy as sa

from survey_app.extensions import db
from survey_app.models import AuditLog, Response, Unit
from survey_app.seed import demo
from tests.conftest import StaffAuth, csrf_from

PERIOD = "2026-Q2"
PASSWORDS = {"phantich": "demo-analyst", "xuanan": "demo-unit", "tnmt": "demo-unit"}


@pytest.fixture
def builds(demo_app, tmp_path, monkeypatch):
    """Count builds; the PDF itself is a stand-in (its content is test_report.py's job)."""
    demo_app.config["REPORT_DIR"] = str(tmp_path / "reports")
    calls = []

    def fake_pdf(_dashboard, meta):
        calls.append(meta.period_name)
        return b"%PDF-1.4 stand-in"
    monkeypatch.setattr("survey_app.periodic_report.routes.build_dashboard", lambda _u, _q: None)
    monkeypatch.setattr("survey_app.periodic_report.builder.build_pdf", fake_pdf)
    return calls


def _client(app, username):
    client = app.test_client()
    assert StaffAuth(client).login(username, PASSWORDS[username]).status_code == 302
    return client


def _add_response(app, unit_code: str):
    """One more valid response of the unit in the period, as a submission would store it."""
    with app.app_context():
        unit_id = db.session.scalar(sa.select(Unit.id).filter_by(code=unit_code))
        model = db.session.scalar(sa.select(Response).filter_by(status="valid", unit_id=unit_id)
                                  .limit(1))
        db.session.add(Response(instrument_version_id=model.instrument_version_id,
                                unit_id=model.unit_id, field_id=model.field_id,
                                channel="counter_qr", locale="vi", status="valid",
                                submitted_at=datetime(2026, 4, 20, 3, tzinfo=UTC),
                                submission_key="x" * 64))
        db.session.commit()


def test_a_second_request_does_not_rebuild(demo_app, builds):
    client = _client(demo_app, "xuanan")
    first = client.get(f"/bao-cao?ky={PERIOD}")
    assert first.status_code == 200 and first.data.startswith(b"%PDF")
    first.close()
    second = client.get(f"/bao-cao?ky={PERIOD}")
    assert second.status_code == 302 and "/bao-cao/tai" in second.location
    pdf = client.get(second.location)
    assert pdf.data.startswith(b"%PDF")
    pdf.close()
    assert len(builds) == 1
    _add_response(demo_app, demo.UNIT_USER_CENTRE)  # new data: a new version, built again
    third = client.get(f"/bao-cao?ky={PERIOD}")
    assert third.status_code == 200
    third.close()
    assert len(builds) == 2
    with demo_app.app_context():
        modes = [d["mode"] for d in db.session.scalars(
            sa.select(AuditLog.detail).filter_by(action="export.report").order_by(AuditLog.id))]
    assert modes == ["sync", "file", "sync"]  # every download is still audited


def test_builds_are_limited_per_user(demo_app, builds):
    demo_app.config["REPORT_BUILD_LIMIT"] = "2 per minute"
    client = _client(demo_app, "xuanan")
    periods = ["2026-Q1", "2026-Q2", "2026-Q3"]
    statuses = []
    for p in periods:
        reply = client.get(f"/bao-cao?ky={p}")
        statuses.append(reply.status_code)
        reply.close()
    assert statuses == [200, 200, 429]
    refused = client.get("/bao-cao?ky=2026-Q3")
    assert "quá nhiều báo cáo mới" in refused.text
    assert "too many new reports" in client.get("/bao-cao?ky=2026-Q3&lang=en").text
    assert len(builds) == 2
    # built ones stay free (in the language they were built in: back to Vietnamese)
    assert client.get("/bao-cao?ky=2026-Q1&lang=vi").status_code == 302
    other = _client(demo_app, "tnmt").get("/bao-cao?ky=2026-Q3")
    assert other.status_code == 200  # the limit is per user
    other.close()


def _wait_for(client, url, text, seconds=60):
    deadline = time.monotonic() + seconds
    while True:
        page = client.get(url)
        if text in page.text:
            return page
        assert time.monotonic() < deadline, page.text[:400]
        time.sleep(0.2)


@pytest.mark.usefixtures("builds")
def test_a_failed_background_build_is_shown_and_retried_only_on_request(demo_app, monkeypatch):
    demo_app.config["REPORT_SYNC_MAX_RESPONSES"] = 0  # background
    attempts = []

    def broken(_dashboard, _meta):
        attempts.append(1)
        raise RuntimeError("the figure library crashed")
    monkeypatch.setattr("survey_app.periodic_report.builder.build_pdf", broken)
    client = _client(demo_app, "xuanan")
    url = f"/bao-cao?ky={PERIOD}"
    page = _wait_for(client, url, "không thành công")
    assert page.status_code == 200
    assert "data-reload" not in page.text  # the page stops refreshing
    assert 'method="post" action="/bao-cao/thu-lai?' in page.text
    for _ in range(3):  # the open page (or the user) asking again restarts nothing
        assert "không thành công" in client.get(url).text
    assert attempts == [1]
    retry = client.post(f"/bao-cao/thu-lai?ky={PERIOD}", data={"csrf_token": csrf_from(page.text)})
    assert retry.status_code == 303 and "/bao-cao?" in retry.location
    _wait_for(client, url, "không thành công")
    assert attempts == [1, 1]


@pytest.mark.usefixtures("builds")
def test_retry_needs_the_csrf_token(demo_app):
    client = _client(demo_app, "xuanan")
    assert client.post(f"/bao-cao/thu-lai?ky={PERIOD}").status_code == 400
