"""The analyst's and the unit reviewer's path through the dashboard, in a real browser."""

from __future__ import annotations

import shutil

import pytest
import sqlalchemy as sa
from selenium.webdriver.common.by import By
from selenium.webdriver.support.ui import Select, WebDriverWait

from survey_app.extensions import db
from survey_app.models import Field, Unit
from survey_app.seed import demo
from tests.browser.conftest import new_driver, served
from tests.browser.helpers import click_to_new_page, full_page_screenshot, send
from tests.conftest import make_app

pytestmark = [pytest.mark.browser, pytest.mark.slow]  # a real Chromium on the demo district

CENTRE = "Trung tâm Phục vụ hành chính công xã Xuân An"  # demo.UNIT_USER_CENTRE


@pytest.fixture
def demo_server(demo_db_template, tmp_path):
    path = tmp_path / "demo.sqlite3"
    shutil.copy(demo_db_template, path)
    app = make_app(f"sqlite:///{path}")
    with served(app) as base:
        yield app, base


@pytest.fixture
def desktop(tmp_path):
    driver = new_driver(tmp_path, javascript=True)
    driver.execute_cdp_cmd("Emulation.setDeviceMetricsOverride", {
        "width": 1280, "height": 900, "deviceScaleFactor": 1, "mobile": False})
    yield driver
    driver.quit()


def _login(driver, base, username, password):
    driver.get(f"{base}/dang-nhap")
    driver.find_element(By.ID, "username").send_keys(username)
    driver.find_element(By.ID, "password").send_keys(password)
    send(driver)


def test_analyst_dashboard_and_unit_view(demo_server, desktop, artifacts_dir, tmp_path):
    app, base = demo_server
    _login(desktop, base, "phantich", "demo-analyst")
    assert desktop.find_element(By.TAG_NAME, "h1").text.startswith("Chỉ số hài lòng")
    text = desktop.find_element(By.TAG_NAME, "main").text
    assert "Chỉ số hài lòng chung" in text and CENTRE in text
    # every figure loads as a real image once scrolled to (they load lazily)
    images = desktop.find_elements(By.CSS_SELECTOR, "figure img")
    assert len(images) == 4
    for img in images:
        desktop.execute_script("arguments[0].scrollIntoView()", img)
        WebDriverWait(desktop, 30).until(lambda d, i=img: d.execute_script(
            "return arguments[0].complete && arguments[0].naturalWidth", i))
        assert desktop.execute_script("return arguments[0].naturalWidth", img) > 300
    full_page_screenshot(desktop, artifacts_dir / "dashboard-analyst.png")

    # change period and field
    Select(desktop.find_element(By.ID, "ky")).select_by_value("2026-Q2")
    with app.app_context():
        land = db.session.scalar(sa.select(Field).filter_by(code="dat-dai"))
        other = db.session.scalar(sa.select(Unit).filter_by(code=demo.OTHER_COMMUNE))
    Select(desktop.find_element(By.ID, "linh_vuc")).select_by_value(str(land.id))
    click_to_new_page(desktop, desktop.find_element(By.CSS_SELECTOR, "form.filters button[type=submit]"))
    assert "ky=2026-Q2" in desktop.current_url and f"linh_vuc={land.id}" in desktop.current_url
    assert "Quý II 2026" in desktop.find_element(By.ID, "ky").get_attribute("innerHTML")
    headline = desktop.find_element(By.CSS_SELECTOR, ".kpi").text
    assert "chỉ tiêu ≥ 90%" in headline  # the land field's own target

    # download the index table of this view, as the analyst would for the CCHC report
    downloads = tmp_path / "downloads"
    downloads.mkdir()
    desktop.execute_cdp_cmd("Browser.setDownloadBehavior",
                            {"behavior": "allow", "downloadPath": str(downloads)})
    link = desktop.find_element(By.XPATH, "//a[starts-with(@href, '/xuat/chi-so.csv')]")
    assert "ky=2026-Q2" in link.get_attribute("href")
    link.click()
    WebDriverWait(desktop, 30).until(
        lambda _driver: [p for p in downloads.iterdir() if p.suffix == ".csv"])
    csv_file = next(p for p in downloads.iterdir() if p.suffix == ".csv")
    text = csv_file.read_bytes().decode("utf-8-sig")
    assert CENTRE in text and "estimate" in text

    # a unit reviewer sees its own unit and is refused another one
    desktop.delete_all_cookies()
    _login(desktop, base, "xuanan", "demo-unit")
    main = desktop.find_element(By.TAG_NAME, "main").text
    assert CENTRE in main and "Toàn địa phương (để so sánh)" in main
    assert "xã Thành Lộc" not in main and "UBND huyện Xuân Hòa" not in desktop.page_source
    full_page_screenshot(desktop, artifacts_dir / "dashboard-unit.png")
    desktop.get(f"{base}/bang-dieu-khien?don_vi={other.id}")
    assert "Không tìm thấy trang" in desktop.find_element(By.TAG_NAME, "main").text
