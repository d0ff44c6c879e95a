"""The PDF report: its numbers (read back with pdftotext) are the engine's; large scopes are
built in the background and downloadable when ready; scoped and audited like the exports."""

from __future__ import annotations

import shutil
import subprocess
import time

import pytest
import sqlalchemy as sa

from analysis.figures.style import percent
from survey_app.extensions import db
from survey_app.models import AuditLog, Unit
from survey_app.reporting import ReportScope, compute_indices_sql
from survey_app.seed import demo
from survey_app.services.scoping import subtree_ids
from tests.conftest import StaffAuth

PERIOD = "2026-Q2"
PASSWORDS = {"admin": "demo-admin", "phantich": "demo-analyst", "xuanan": "demo-unit"}
pytestmark = [
    pytest.mark.skipif(shutil.which("pdftotext") is None, reason="needs poppler-utils"),
    pytest.mark.slow,  # PDF reports of the demo district
]


@pytest.fixture(autouse=True)
def report_dir(demo_app, tmp_path):
    demo_app.config["REPORT_DIR"] = str(tmp_path / "reports")


def _client(app, username):
    client = app.test_client()
    assert StaffAuth(client).login(username, PASSWORDS[username]).status_code == 302
    return client


def _text(pdf: bytes, tmp_path) -> str:
    path = tmp_path / "r.pdf"
    path.write_bytes(pdf)
    out = subprocess.run(["pdftotext", "-layout", str(path), "-"], check=True,
                         capture_output=True, text=True)
    return " ".join(out.stdout.split())


def test_pdf_numbers_are_the_engines(demo_app, tmp_path):
    response = _client(demo_app, "phantich").get(f"/bao-cao?ky={PERIOD}")
    assert response.status_code == 200 and response.mimetype == "application/pdf"
    text = _text(response.data, tmp_path)
    with demo_app.app_context():
        scope = ReportScope.for_period(PERIOD)
        whole = compute_indices_sql(scope)
        by_unit = compute_indices_sql(scope, by=("unit",))
        names = dict(db.session.execute(sa.select(Unit.id, Unit.name_vi)).all())
    overall = whole[whole["level"] == "overall"].iloc[0]
    assert (f"Chỉ số hài lòng chung: {percent(overall['estimate'])} (khoảng tin cậy 95%: "
            f"{percent(overall['ci_low'])}–{percent(overall['ci_high'])}") in text
    for r in by_unit[by_unit["level"] == "overall"].itertuples():
        if len(names[r.unit_id]) < 30:  # long names wrap in the table cell
            assert (f"{names[r.unit_id]} {percent(r.estimate)} "
                    f"{percent(r.ci_low)}–{percent(r.ci_high)} {r.n_respondents}") in text
    for heading in ("I. PHẠM VI VÀ KỲ BÁO CÁO", "II. PHƯƠNG PHÁP", "III. KẾT QUẢ CHUNG",
                    "IV. KẾT QUẢ THEO ĐƠN VỊ", "V. KẾT QUẢ THEO LĨNH VỰC", "VI. BIỂU ĐỒ",
                    "VII. NỘI DUNG CẦN ƯU TIÊN", "VIII. CỠ MẪU VÀ LƯU Ý", "Quý II 2026"):
        assert heading in text
    assert "Chưa đạt chỉ tiêu" in text and "Chưa đủ căn cứ" in text
    # The priorities are the dashboard's own table (analysis.priority), first row first.
    from survey_app.reporting.dashboard import build_dashboard
    from survey_app.reporting.query import parse_query
    with demo_app.test_request_context(f"/bang-dieu-khien?ky={PERIOD}"):
        from survey_app.models import User
        analyst = db.session.scalar(sa.select(User).filter_by(username="phantich"))
        d = build_dashboard(analyst, parse_query(analyst))
    assert d.priority is not None and not d.priority.empty
    first = d.priority.iloc[0]
    section = text[text.index("VII. NỘI DUNG CẦN ƯU TIÊN"):text.index("VIII. CỠ MẪU")]
    assert f"1 {d.element_names[first['index']]} {percent(first['dissatisfaction'])}" in section
    assert "ưu tiên cải thiện" in section or "duy trì" in section
    with demo_app.app_context():
        entry = db.session.scalar(sa.select(AuditLog).filter_by(action="export.report"))
    assert entry.username == "phantich" and entry.detail["mode"] == "sync"


def test_unit_user_report_holds_only_its_unit(demo_app, tmp_path):
    client = _client(demo_app, "xuanan")
    text = _text(client.get(f"/bao-cao?ky={PERIOD}").data, tmp_path)
    with demo_app.app_context():
        own = subtree_ids([db.session.scalar(sa.select(Unit.id).filter_by(
            code=demo.UNIT_USER_UNIT))])
        others = db.session.scalars(sa.select(Unit.name_vi).where(Unit.id.not_in(own))).all()
        other_id = db.session.scalar(sa.select(Unit.id).filter_by(code=demo.OTHER_COMMUNE))
    assert "UBND xã Xuân An" in text
    # the authority in the title block is the locality's root, not data of another unit
    assert not [n for n in others if n in text and n != "UBND tỉnh Hòa Giang"]
    assert client.get(f"/bao-cao?ky={PERIOD}&don_vi={other_id}").status_code == 404
    assert client.get(f"/bao-cao/tai?ky={PERIOD}&don_vi={other_id}").status_code == 404


def test_anonymous_goes_to_login(demo_app):
    response = demo_app.test_client().get(f"/bao-cao?ky={PERIOD}")
    assert response.status_code == 302 and "/dang-nhap" in response.location


def test_bad_period_is_a_clear_400(demo_app):
    response = _client(demo_app, "phantich").get("/bao-cao?ky=2026-Q9")
    assert response.status_code == 400 and "Kỳ báo cáo không hợp lệ" in response.text


def test_large_scope_is_built_in_the_background(demo_app):
    demo_app.config["REPORT_SYNC_MAX_RESPONSES"] = 0
    client = _client(demo_app, "phantich")
    page = client.get(f"/bao-cao?ky={PERIOD}")
    assert page.status_code == 200
    assert "data-reload" in page.text or "Tải báo cáo" in page.text
    deadline = time.monotonic() + 120
    while True:
        again = client.get(f"/bao-cao?ky={PERIOD}")
        if again.status_code == 302:
            break
        assert time.monotonic() < deadline, "the background report never finished"
        time.sleep(0.5)
    assert again.location.endswith(f"/bao-cao/tai?ky={PERIOD}")
    pdf = client.get(f"/bao-cao/tai?ky={PERIOD}")
    assert pdf.status_code == 200 and pdf.data.startswith(b"%PDF")
    pdf.close()
    # another user with another scope never gets this file
    unit_client = _client(demo_app, "xuanan")
    assert unit_client.get(f"/bao-cao/tai?ky={PERIOD}").status_code == 302
    with demo_app.app_context():
        modes = db.session.scalars(sa.select(AuditLog.detail).filter_by(action="export.report")).all()
    assert [m["mode"] for m in modes] == ["file"]
