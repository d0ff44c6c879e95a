"""The dashboard shows the engine's numbers, scoped to what each role may see."""

from datetime import date

import pytest
import sqlalchemy as sa

from analysis.figures.style import percent
from analysis.periods import default_period, previous_period, recent_periods
from survey_app.extensions import db
from survey_app.models import Unit
from survey_app.reporting import ReportScope, compute_indices_sql
from survey_app.seed import demo
from survey_app.services.scoping import subtree_ids
from tests.conftest import StaffAuth


@pytest.fixture
def demo_client(demo_app):
    return demo_app.test_client()


def _login(client, username, password):
    assert StaffAuth(client).login(username, password).status_code == 302


def _units(app):
    with app.app_context():
        return {u.code: (u.id, u.name_vi) for u in db.session.scalars(sa.select(Unit))}


def test_headline_is_the_engines_number(demo_app, demo_client):
    _login(demo_client, "phantich", "demo-analyst")
    page = demo_client.get("/bang-dieu-khien?ky=2026-Q2")
    assert page.status_code == 200
    with demo_app.app_context():
        table = compute_indices_sql(ReportScope.for_period("2026-Q2"))
    overall = table[table["level"] == "overall"].iloc[0]
    assert f'<p class="value">{percent(overall["estimate"])}</p>' in page.text
    assert f"{percent(overall['ci_low'])}–{percent(overall['ci_high'])}" in page.text
    assert "chỉ tiêu ≥ 94%" in page.text  # the overall 2025 target still stands in 2026


def test_analyst_sees_every_unit(demo_app, demo_client):
    _login(demo_client, "phantich", "demo-analyst")
    page = demo_client.get("/bang-dieu-khien?ky=2026-Q2").text
    for code in (demo.UNIT_USER_CENTRE, demo.LOW_SCORING_CENTRE, demo.BRANCH,
                 demo.PROVINCE_CENTRE):
        assert _units(demo_app)[code][1] in page


def test_unit_user_sees_only_its_own_unit(demo_app, demo_client):
    units = _units(demo_app)
    with demo_app.app_context():  # the commune, its centre and its reception points
        own = subtree_ids([units[demo.UNIT_USER_UNIT][0]])
    _login(demo_client, "xuanan", "demo-unit")
    page = demo_client.get("/bang-dieu-khien?ky=2026-Q2")
    assert page.status_code == 200
    assert units[demo.UNIT_USER_CENTRE][1] in page.text
    for unit_id, name in units.values():
        if unit_id not in own:
            assert name not in page.text, f"{name} leaked into a unit user's page"
    assert "Toàn địa phương (để so sánh)" in page.text
    other = units[demo.LOW_SCORING_CENTRE][0]
    assert demo_client.get(f"/bang-dieu-khien?don_vi={other}").status_code == 404
    assert demo_client.get(f"/bang-dieu-khien/hinh/don-vi.png?don_vi={other}").status_code == 404
    assert demo_client.get("/bang-dieu-khien?don_vi=999999").status_code == 404  # same answer


def test_office_user_without_responses_gets_an_empty_but_working_page(demo_client):
    _login(demo_client, "tnmt", "demo-unit")
    page = demo_client.get("/bang-dieu-khien?ky=2026-Q2")
    assert page.status_code == 200
    assert "Chưa có phiếu đánh giá hợp lệ trong kỳ này." in page.text


@pytest.mark.parametrize("query, status, text", [
    ("ky=2026-Q7", 400, "Kỳ báo cáo không hợp lệ"),
    ("ky=2026-Q2&don_vi=abc", 400, "không hợp lệ"),
    ("ky=2026-Q2&linh_vuc=99999", 400, "Lĩnh vực không tồn tại"),
    ("ky=2026-Q2&pp=magic", 400, "Phương pháp"),
    ("ky='%3B DROP TABLE responses;--", 400, "Kỳ báo cáo không hợp lệ"),
])
def test_bad_queries_are_clear_4xx(demo_client, query, status, text):
    _login(demo_client, "phantich", "demo-analyst")
    page = demo_client.get(f"/bang-dieu-khien?{query}")
    assert page.status_code == status and text in page.text


@pytest.mark.slow
def test_figures_are_png(demo_client):
    _login(demo_client, "phantich", "demo-analyst")
    for kind in ("don-vi", "yeu-to", "xu-huong", "uu-tien"):
        reply = demo_client.get(f"/bang-dieu-khien/hinh/{kind}.png?ky=2026-Q2")
        assert reply.status_code == 200 and reply.data[:8] == b"\x89PNG\r\n\x1a\n"
    assert demo_client.get("/bang-dieu-khien/hinh/khac.png").status_code == 404


def test_tiny_units_never_show_a_significant_change(demo_app):
    from survey_app.models import User
    from survey_app.reporting.dashboard import DashboardQuery, build_dashboard

    with demo_app.app_context():
        analyst = db.session.scalar(sa.select(User).filter_by(username="phantich"))
        units = build_dashboard(analyst, DashboardQuery("2026-Q3")).units
    tiny = units[units["n_respondents"] < 10]
    assert len(tiny) > 0 and not tiny["change_significant"].any()


def test_period_helpers():
    assert previous_period("2026-Q1") == "2025-Q4"
    assert previous_period("2026-H1") == "2025-H2"
    assert previous_period("2026-Y") == "2025-Y"
    assert recent_periods("2026-Q2", 3) == ["2025-Q4", "2026-Q1", "2026-Q2"]
    assert previous_period("2026-M01") == "2025-M12"
    assert previous_period("2026-CQ1") == "2025-CQ4"
    assert previous_period("2026-CY") == "2025-CY"
    assert default_period(date(2026, 11, 21)) == "2026-Q3"  # last complete quarter
    assert default_period(date(2026, 12, 10)) == "2026-Q4"


def test_priority_table_ranks_elements_by_dissatisfaction_times_importance(demo_app, demo_client):
    from survey_app.models import User
    from survey_app.reporting.dashboard import DashboardQuery, build_dashboard

    with demo_app.app_context():
        analyst = db.session.scalar(sa.select(User).filter_by(username="phantich"))
        table = build_dashboard(analyst, DashboardQuery("2026-Q3")).priority
    assert set(table["index"]) == {"TC", "TT", "CC", "KQ", "PA"}
    assert list(table["rank"]) == sorted(table["rank"])
    product = table["dissatisfaction"] * table["importance"]
    assert (product.diff().dropna() <= 1e-12).all()  # sorted by the documented score
    _login(demo_client, "phantich", "demo-analyst")
    page = demo_client.get("/bang-dieu-khien?ky=2026-Q3").text
    assert "Cần ưu tiên cải thiện" in page and "Tiếp nhận, xử lý góp ý" in page


def test_calendar_periods_are_offered_and_work(demo_client):
    _login(demo_client, "phantich", "demo-analyst")
    page = demo_client.get("/bang-dieu-khien?ky=2026-M05")
    assert page.status_code == 200
    assert "Tháng 05/2026" in page.text and 'value="2026-CQ2"' in page.text
    assert demo_client.get("/bang-dieu-khien?ky=2026-CQ2").status_code == 200
    assert "Quý dương lịch II 2026" in demo_client.get("/bang-dieu-khien?ky=2026-CQ2").text
