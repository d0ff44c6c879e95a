"""The admin home and a unit-import preview with errors in a real desktop Chromium
(1280×900), saved to test-artifacts/ for a person to look at, and checked with axe."""

from __future__ import annotations

import pytest
from selenium.webdriver.common.by import By
from selenium.webdriver.support.ui import WebDriverWait

from tests.browser.conftest import fresh, live_server, new_driver  # noqa: F401 - fixture
from tests.browser.helpers import axe_violations, describe, full_page_screenshot
from tests.survey_app.admin.conftest import PASSWORD, build_world

pytestmark = [pytest.mark.browser, pytest.mark.slow]  # a real Chromium
DESKTOP_UA = ("Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) "
              "Chrome/120.0 Safari/537.36")
BAD_UNITS = (
    "code,name_vi,name_en,kind,level,parent_code\n"
    "H-NGHIXUAN,UBND huyện Nghi Xuân,Nghi Xuan District,huyen,huyen,T-HT\n"
    "X-XUANHOI,UBND xã Xuân Hội,,xa,xa,H-NGHIXUAN\n"
    "X-XUANHOI,UBND xã Xuân Hội (trùng),,xa,xa,H-NGHIXUAN\n"
    "X-XUANTRUONG,UBND xã Xuân Trường,,lang,xa,H-NGHIXUAN\n"
    "X-XUANDAN,UBND xã Xuân Đan,,xa,xa,H-KHONGCO\n"
    "X-TL,UBND xã Tùng Lộc,,xa,xa,H-CL\n"
    "H-CL,UBND huyện Can Lộc,Can Loc District,huyen,huyen,T-HT\n"
)


@pytest.fixture(scope="module")
def desktop_browser(tmp_path_factory):
    """One desktop Chromium for the module's tests (a start costs seconds)."""
    driver = new_driver(tmp_path_factory.mktemp("chrome"), javascript=True)
    driver.execute_cdp_cmd("Emulation.setDeviceMetricsOverride", {
        "width": 1280, "height": 900, "deviceScaleFactor": 1, "mobile": False})
    driver.execute_cdp_cmd("Emulation.setTouchEmulationEnabled", {"enabled": False})
    driver.execute_cdp_cmd("Emulation.setUserAgentOverride", {"userAgent": DESKTOP_UA})
    yield driver
    driver.quit()


@pytest.fixture
def desktop(desktop_browser):
    return fresh(desktop_browser)


def _submit(driver) -> None:
    old = driver.find_element(By.TAG_NAME, "html")
    driver.find_element(By.CSS_SELECTOR, "main form button[type=submit]").click()
    WebDriverWait(driver, 20).until(lambda d: old != d.find_element(By.TAG_NAME, "html"))


def test_admin_home_and_import_preview(live_server, desktop, artifacts_dir, tmp_path):  # noqa: F811
    app, _world, base = live_server
    build_world(app)
    desktop.get(base + "/dang-nhap?next=/admin")
    desktop.find_element(By.ID, "username").send_keys("quantri")
    desktop.find_element(By.ID, "password").send_keys(PASSWORD)
    _submit(desktop)
    assert desktop.find_element(By.TAG_NAME, "h1").text.startswith("Quản trị")
    full_page_screenshot(desktop, artifacts_dir / "admin-home.png")
    problems = axe_violations(desktop)
    assert not problems, describe(problems)

    path = tmp_path / "don-vi-nghi-xuan.csv"
    path.write_text(BAD_UNITS, "utf-8")
    desktop.get(base + "/admin/nhap/don-vi")
    desktop.find_element(By.ID, "file").send_keys(str(path))
    _submit(desktop)
    text = desktop.find_element(By.TAG_NAME, "main").text
    assert "Dòng 4, cột code" in text and "Dòng 5, cột kind" in text
    assert "Dòng 6, cột parent_code" in text
    full_page_screenshot(desktop, artifacts_dir / "admin-unit-import-preview-errors.png")
    problems = axe_violations(desktop)
    assert not problems, describe(problems)


def test_destructive_actions_ask_first(live_server, desktop):  # noqa: F811
    """The confirmation comes from static/confirm.js (the CSP blocks inline handlers):
    dismissing it keeps the target, accepting it deletes the target."""
    import sqlalchemy as sa
    from selenium.webdriver.support.expected_conditions import alert_is_present

    from survey_app.extensions import db
    from survey_app.models import Target

    app, _world, base = live_server
    build_world(app)

    def count():
        with app.app_context():
            return db.session.scalar(sa.select(sa.func.count(Target.id)))

    before = count()
    desktop.get(base + "/dang-nhap?next=/admin/chi-tieu")
    desktop.find_element(By.ID, "username").send_keys("quantri")
    desktop.find_element(By.ID, "password").send_keys(PASSWORD)
    _submit(desktop)
    delete = desktop.find_element(By.CSS_SELECTOR, "form[data-confirm] button[type=submit]")
    delete.click()
    WebDriverWait(desktop, 10).until(alert_is_present()).dismiss()
    assert count() == before
    old = desktop.find_element(By.TAG_NAME, "html")
    desktop.find_element(By.CSS_SELECTOR, "form[data-confirm] button[type=submit]").click()
    WebDriverWait(desktop, 10).until(alert_is_present()).accept()
    WebDriverWait(desktop, 20).until(lambda d: old != d.find_element(By.TAG_NAME, "html"))
    assert count() == before - 1
