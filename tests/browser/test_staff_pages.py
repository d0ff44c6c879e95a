"""Every staff page on the phone a commune officer carries (360×740) and on a desktop:
the page itself never scrolls sideways (wide tables scroll in their own box, the unit
name staying in view), axe finds no serious problem, and a screenshot of each is kept
under test-artifacts/staff/ for a person to look at."""

from __future__ import annotations

import shutil

import pytest
import sqlalchemy as sa
from selenium.webdriver.common.by import By

from survey_app.extensions import db
from survey_app.models import Counter, Field, Target, Unit, User
from tests.browser.conftest import fresh, new_driver, served
from tests.browser.helpers import axe_violations, describe, full_page_screenshot, send
from tests.conftest import make_app

pytestmark = [pytest.mark.browser, pytest.mark.slow]  # a real Chromium on the demo district

SIZES = {"phone": (360, 740, True), "desktop": (1280, 900, False)}


@pytest.fixture(scope="module")
def staff_server(demo_db_template, tmp_path_factory):
    path = tmp_path_factory.mktemp("staff") / "demo.sqlite3"
    shutil.copy(demo_db_template, path)
    # Every report goes to the background, so /bao-cao shows its page instead of a PDF.
    app = make_app(f"sqlite:///{path}", REPORT_SYNC_MAX_RESPONSES=0)
    with served(app) as base:
        yield app, base


@pytest.fixture(scope="module")
def browser(tmp_path_factory):
    driver = new_driver(tmp_path_factory.mktemp("chrome"), javascript=True)
    yield driver
    driver.quit()


def _size(driver, name: str) -> None:
    width, height, mobile = SIZES[name]
    driver.execute_cdp_cmd("Emulation.setDeviceMetricsOverride", {
        "width": width, "height": height, "deviceScaleFactor": 1, "mobile": mobile})


def _login(driver, base: str, username: str, password: str) -> None:
    fresh(driver)
    driver.get(f"{base}/dang-nhap")
    driver.find_element(By.ID, "username").send_keys(username)
    driver.find_element(By.ID, "password").send_keys(password)
    send(driver)
    assert "/dang-nhap" not in driver.current_url, driver.find_element(By.TAG_NAME, "main").text


def _admin_pages(app) -> dict[str, str]:
    with app.app_context():
        first = {model.__name__: db.session.scalar(sa.select(sa.func.min(model.id)))
                 for model in (Unit, Counter, User, Target, Field)}
    return {
        "admin-home": "/admin", "admin-units": "/admin/don-vi",
        "admin-unit-form": f"/admin/don-vi/{first['Unit']}", "admin-unit-new": "/admin/don-vi/them",
        "admin-counters": "/admin/quay", "admin-counter-form": f"/admin/quay/{first['Counter']}",
        "admin-users": "/admin/nguoi-dung", "admin-user-form": f"/admin/nguoi-dung/{first['User']}",
        "admin-targets": "/admin/chi-tieu", "admin-target-form": f"/admin/chi-tieu/{first['Target']}",
        "admin-volumes": "/admin/so-lieu-ho-so", "admin-fields": "/admin/linh-vuc",
        "admin-field-form": f"/admin/linh-vuc/{first['Field']}",
        "admin-instruments": "/admin/phieu-khao-sat", "admin-flagged": "/admin/kiem-duyet-phieu",
        "admin-comments": "/admin/binh-luan", "admin-audit": "/admin/nhat-ky",
        "admin-import": "/admin/nhap/don-vi",
    }


def _check_page(driver, base: str, path: str, shot, size: str) -> list[str]:
    """Problems of one page: sideways scrolling, a wide table that pushes the page, axe."""
    driver.get(base + path)
    problems = []
    status = driver.find_element(By.TAG_NAME, "h1").text
    if "Không tìm thấy" in status or "Lỗi" in status:
        problems.append(f"{path}: error page {status!r}")
    # On a phone the layout viewport grows to fit content that is too wide, so the page is
    # measured against the screen's own width as well as against innerWidth.
    screen = SIZES[size][0]
    width, scroll = driver.execute_script(
        "return [window.innerWidth, document.documentElement.scrollWidth]")
    if scroll > width or width > screen:
        problems.append(f"{path} at {size}: page is {max(scroll, width)} px wide on a "
                        f"{screen} px screen")
    # A table wider than its box must be inside a box that scrolls, with column 1 sticky.
    for table in driver.execute_script("""
        return [...document.querySelectorAll('main table')].map(t => {
          const box = t.closest('.scroll');
          const first = t.querySelector('tbody td, tbody th');
          return {wide: t.scrollWidth > (box || t.parentElement).clientWidth + 1,
                  boxed: !!box, sticky: first ? getComputedStyle(first).position : 'none',
                  id: (t.closest('section') || t).querySelector('h2, caption')?.textContent || ''};
        });"""):
        if table["wide"] and not table["boxed"]:
            problems.append(f"{path} at {size}: wide table {table['id']!r} not in a scroll box")
        if table["wide"] and table["sticky"] != "sticky":
            problems.append(f"{path} at {size}: wide table {table['id']!r} loses its first column")
    full_page_screenshot(driver, shot)
    violations = axe_violations(driver)
    if violations:
        problems.append(f"{path} at {size}: axe\n{describe(violations)}")
    return problems


@pytest.mark.parametrize("size", SIZES)
def test_staff_pages_fit_the_screen_and_pass_axe(staff_server, browser, artifacts_dir, size):
    app, base = staff_server
    shots = artifacts_dir / "staff"
    shots.mkdir(exist_ok=True)
    _size(browser, size)
    problems = []
    _login(browser, base, "phantich", "demo-analyst")
    problems += _check_page(browser, base, "/bang-dieu-khien", shots / f"analyst-dashboard-{size}.png",
                            size)
    problems += _check_page(browser, base, "/bao-cao", shots / f"report-page-{size}.png", size)
    _login(browser, base, "xuanan", "demo-unit")
    problems += _check_page(browser, base, "/bang-dieu-khien", shots / f"unit-dashboard-{size}.png",
                            size)
    _login(browser, base, "admin", "demo-admin")
    for name, path in _admin_pages(app).items():
        problems += _check_page(browser, base, path, shots / f"{name}-{size}.png", size)
    assert not problems, "\n".join(problems)


def test_unit_name_stays_in_view_when_the_table_scrolls(staff_server, browser, artifacts_dir):
    _app, base = staff_server
    _size(browser, "phone")
    _login(browser, base, "phantich", "demo-analyst")
    browser.get(f"{base}/bang-dieu-khien")
    box = browser.find_element(By.CSS_SELECTOR, "section.units .scroll")
    assert browser.execute_script("return arguments[0].scrollWidth > arguments[0].clientWidth", box)
    first_cell = box.find_element(By.CSS_SELECTOR, "tbody td")
    before = first_cell.rect["x"]
    browser.execute_script("arguments[0].scrollLeft = 400", box)
    assert browser.execute_script("return arguments[0].scrollLeft", box) > 100
    assert abs(first_cell.rect["x"] - before) < 2  # the name did not move with the numbers
    box.location_once_scrolled_into_view  # noqa: B018
    browser.save_screenshot(str(artifacts_dir / "staff" / "analyst-dashboard-table-scrolled-phone.png"))


@pytest.mark.parametrize("size", SIZES)
def test_pickers_tree_quarter_under_way_and_date_range(staff_server, browser, artifacts_dir, size):
    from selenium.webdriver.support.ui import Select

    from tests.browser.helpers import click_to_new_page

    _app, base = staff_server
    _size(browser, size)
    _login(browser, base, "phantich", "demo-analyst")
    browser.get(f"{base}/bang-dieu-khien")
    periods = Select(browser.find_element(By.ID, "ky"))
    assert periods.options[0].text.endswith("· đang diễn ra")
    units = [o.get_attribute("textContent")
             for o in Select(browser.find_element(By.ID, "don_vi")).options]
    assert any(t.startswith("\u2003└ ") for t in units)  # the tree, indented
    # a free range, as a person picks it: "Khoảng tùy chọn", two dates, "Xem"
    periods.select_by_value("khoang")
    for name, value in (("tu", "2026-03-10"), ("den", "2026-06-09")):
        browser.execute_script("arguments[0].value = arguments[1]",
                               browser.find_element(By.ID, name), value)
    click_to_new_page(browser, browser.find_element(By.CSS_SELECTOR,
                                                    "form.filters button[type=submit]"))
    assert "ky=khoang" in browser.current_url
    assert "Từ 10/03/2026 đến 09/06/2026" in browser.title
    width = browser.execute_script("return document.documentElement.scrollWidth")
    assert width <= SIZES[size][0]
    browser.save_screenshot(str(artifacts_dir / "staff" / f"dashboard-date-range-{size}.png"))
    # reversed dates: a 400 that says what is wrong, in the user's language
    browser.get(f"{base}/bang-dieu-khien?ky=khoang&tu=2026-06-09&den=2026-03-10&lang=en")
    assert "The end date (10/03/2026) is before the start date (09/06/2026)." in \
        browser.find_element(By.TAG_NAME, "main").text
    browser.get(f"{base}/bang-dieu-khien?lang=en")
    full_page_screenshot(browser, artifacts_dir / "staff" / f"analyst-dashboard-en-{size}.png")
    assert Select(browser.find_element(By.ID, "ky")).options[0].text.endswith("· in progress")
