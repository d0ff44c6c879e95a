"""A real Chromium on a phone-sized screen against the app served on 127.0.0.1.

Without chromium/chromedriver the browser tests skip with the reason printed, unless
SIPAS_REQUIRE_BROWSER=1 (CI), where a missing browser is a failure.
"""

from __future__ import annotations

import contextlib
import os
import shutil
import threading
from pathlib import Path

import pytest
from werkzeug.serving import make_server

from tests.conftest import fresh_sqlite_url, make_app
from tests.survey_app.factories import make_world

REQUIRE_BROWSER = os.environ.get("SIPAS_REQUIRE_BROWSER") == "1"
PHONE = {"width": 360, "height": 740, "pixelRatio": 1}
ANDROID_UA = ("Mozilla/5.0 (Linux; Android 11; SM-A022F) AppleWebKit/537.36 (KHTML, like Gecko) "
              "Chrome/120.0 Mobile Safari/537.36")
AXE = Path(__file__).with_name("vendor") / "axe.min.js"


def _browser_or_skip() -> tuple[str, str]:
    # CHROMIUM / CHROMEDRIVER may name the programs; otherwise they are looked up on PATH.
    chromium = shutil.which(os.environ.get("CHROMIUM") or "chromium") or shutil.which(
        "chromium-browser")
    driver = shutil.which(os.environ.get("CHROMEDRIVER") or "chromedriver")
    try:
        import selenium  # noqa: F401
    except ImportError:
        chromium = None
    if not chromium or not driver:
        missing = ", ".join(n for n, p in (("chromium", chromium), ("chromedriver", driver))
                            if not p) or "selenium"
        message = f"browser tests need {missing} (Debian: apt-get install chromium chromium-driver)"
        if REQUIRE_BROWSER:
            pytest.fail(message + " and SIPAS_REQUIRE_BROWSER=1", pytrace=False)
        print(f"\nSKIPPED (no browser): {message}")
        pytest.skip("SKIPPED (no browser): " + message)
    return chromium, driver


@contextlib.contextmanager
def served(app):
    """`app` on a random 127.0.0.1 port in a background thread; yields its base URL, then
    stops the server and closes the app's database connections."""
    from survey_app.extensions import db

    server = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_port}"
    finally:
        server.shutdown()
        thread.join(timeout=10)
        server.server_close()
        with app.app_context():
            db.engine.dispose()


@pytest.fixture
def live_server(sqlite_template, tmp_path):
    """The app on a random 127.0.0.1 port in a background thread, on a temp SQLite file."""
    app = make_app(fresh_sqlite_url(sqlite_template, tmp_path, "live.sqlite3"))
    world = make_world(app)
    with served(app) as base:
        app.config["PUBLIC_BASE_URL"] = base
        yield app, world, base


def new_driver(tmp_path: Path, *, javascript: bool):
    chromium, driver_path = _browser_or_skip()
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service

    options = webdriver.ChromeOptions()
    options.binary_location = chromium
    for flag in ("--headless=new", "--no-sandbox", "--disable-gpu",
                 "--disable-background-networking", "--disable-component-update",
                 "--disable-sync", "--no-first-run", "--disable-dev-shm-usage",
                 f"--user-data-dir={tmp_path / 'chrome-profile'}", "--lang=vi"):
        options.add_argument(flag)
    if not javascript:
        options.add_experimental_option(
            "prefs", {"profile.managed_default_content_settings.javascript": 2})
    driver = webdriver.Chrome(options=options, service=Service(driver_path))
    # The phone through DevTools rather than the mobileEmulation option: with JavaScript
    # blocked, chromedriver hangs on clicks under mobileEmulation (chromium 156).
    driver.execute_cdp_cmd("Emulation.setDeviceMetricsOverride", {
        "width": PHONE["width"], "height": PHONE["height"],
        "deviceScaleFactor": PHONE["pixelRatio"], "mobile": True})
    driver.execute_cdp_cmd("Emulation.setTouchEmulationEnabled", {"enabled": True,
                                                                   "maxTouchPoints": 1})
    driver.execute_cdp_cmd("Emulation.setUserAgentOverride", {"userAgent": ANDROID_UA})
    driver.set_page_load_timeout(30)
    return driver


def fresh(driver):
    """A browser that has been used by another test, as if new: a blank page, no cookies
    (they are per host, not per port, so another test's live server would see them) and no
    cache; storage is per origin and every live server has its own port."""
    driver.get("about:blank")
    driver.execute_cdp_cmd("Network.clearBrowserCookies", {})
    driver.execute_cdp_cmd("Network.clearBrowserCache", {})
    return driver


@pytest.fixture(scope="module")
def phones(tmp_path_factory):
    """One Chromium per JavaScript setting for all the tests of a module, started on first
    use: a start costs seconds, far more than most of the tests themselves."""
    started: dict[bool, object] = {}

    def phone_with(javascript: bool):
        if javascript not in started:
            driver = new_driver(tmp_path_factory.mktemp("chrome"), javascript=javascript)
            driver.javascript = javascript  # type: ignore[attr-defined]
            started[javascript] = driver
        return fresh(started[javascript])
    yield phone_with
    for driver in started.values():
        driver.quit()


@pytest.fixture(params=[True, False], ids=["js-on", "js-off"])
def phone(request, phones):
    return phones(request.param)


@pytest.fixture
def phone_js(phones):
    return phones(True)
