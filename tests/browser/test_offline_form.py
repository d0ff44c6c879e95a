"""The long form on a bad connection (issue 15), in a real Chromium at 360×740: progress, a
draft that survives a reload, and a tap on "Gửi" with the network off that is sent once when
it comes back. Without JavaScript the same page is one plain form that submits."""

from __future__ import annotations

import json

import pytest
from selenium.common.exceptions import WebDriverException
from selenium.webdriver.common.by import By
from selenium.webdriver.support.ui import WebDriverWait

from survey_app.extensions import db
from survey_app.models import Answer, Response
from tests.browser.conftest import PHONE
from tests.browser.helpers import full_page_screenshot, heading, send

pytestmark = [pytest.mark.browser, pytest.mark.slow]  # a real Chromium per test

LONG_QUESTIONS = 32  # sipas-2022: 20 items and 12 questions (tests/survey_app/test_survey_form)


def responses(app) -> int:
    with app.app_context():
        return db.session.scalar(db.select(db.func.count()).select_from(Response))


def answers(app) -> int:
    with app.app_context():
        return db.session.scalar(db.select(db.func.count()).select_from(Answer))


def wait_for(driver, condition, timeout: float = 30):
    """Wait on a condition of the page; a page being swapped may answer a probe with an error."""
    return WebDriverWait(driver, timeout, ignored_exceptions=(WebDriverException,)).until(
        condition)


def progress_text(driver) -> str:
    box = driver.find_element(By.ID, "progress-box")
    return box.text if box.is_displayed() else ""


def status(driver, element_id: str) -> str:
    el = driver.find_element(By.ID, element_id)
    return el.text if el.is_displayed() else ""


def fieldsets(driver):
    return driver.find_elements(By.CSS_SELECTOR, "fieldset.q")


def tap_option(fieldset, index: int) -> tuple[str, str]:
    """Tap one answer row of a question as a thumb would; the value chosen."""
    label = fieldset.find_elements(By.CSS_SELECTOR, "label.opt")[index]
    label.location_once_scrolled_into_view  # noqa: B018 - scrolls the row into view
    label.click()
    radio = label.find_element(By.TAG_NAME, "input")
    assert radio.is_selected()
    return radio.get_attribute("name"), radio.get_attribute("value")


def open_optional_part(driver) -> None:
    for details in driver.find_elements(By.TAG_NAME, "details"):
        if details.get_attribute("open") is None:
            summary = details.find_element(By.TAG_NAME, "summary")
            summary.location_once_scrolled_into_view  # noqa: B018
            summary.click()


def fill(driver, how_many: int) -> dict[str, str]:
    open_optional_part(driver)
    chosen = {}
    for i, fs in enumerate(fieldsets(driver)[:how_many]):
        name, value = tap_option(fs, i % 2)  # "rất không hài lòng"/"không hài lòng"…
        chosen[name] = value
    return chosen


def storage(driver, name: str):
    return driver.execute_script("return window.localStorage.getItem(arguments[0]);", name)


def set_offline(driver, offline: bool) -> None:
    driver.execute_cdp_cmd("Network.enable", {})
    driver.execute_cdp_cmd("Network.emulateNetworkConditions", {
        "offline": offline, "latency": 0, "downloadThroughput": -1, "uploadThroughput": -1})


@pytest.fixture
def phone(phones):
    driver = phones(True)
    yield driver
    set_offline(driver, False)  # the next test's browser is online whatever happened here


def test_progress_and_a_half_filled_draft_survive_a_reload(live_server, phone, artifacts_dir):
    _, world, base = live_server
    phone.get(f"{base}/s/{world.long_slug}")
    wait_for(phone, lambda d: progress_text(d) == f"Đã trả lời 0/{LONG_QUESTIONS} câu")
    half = LONG_QUESTIONS // 2
    chosen = fill(phone, half)
    wait_for(phone, lambda d: progress_text(d) == f"Đã trả lời {half}/{LONG_QUESTIONS} câu")
    bar = phone.find_element(By.ID, "progress")
    assert (bar.get_attribute("value"), bar.get_attribute("max")) == (str(half),
                                                                      str(LONG_QUESTIONS))
    # The progress stays in view while the citizen scrolls (sticky at the top).
    assert phone.execute_script(
        "return document.getElementById('progress-box').getBoundingClientRect().top") >= 0
    phone.save_screenshot(str(artifacts_dir / "offline-long-form-half-progress.png"))
    phone.refresh()
    wait_for(phone, lambda d: status(d, "draft-status").startswith("Đã khôi phục"))
    for name, value in chosen.items():
        radio = phone.find_element(By.CSS_SELECTOR, f'input[name="{name}"][value="{value}"]')
        assert radio.is_selected(), name
    assert progress_text(phone) == f"Đã trả lời {half}/{LONG_QUESTIONS} câu"
    # Only answers go into the draft: no token, no honeypot.
    draft = json.loads(storage(phone, f"sipas-draft:{world.long_slug}"))
    assert draft["answers"] == chosen
    phone.execute_script("window.scrollTo(0, 0)")
    phone.save_screenshot(str(artifacts_dir / "offline-long-form-restored.png"))
    # In English the same draft and progress, in English words.
    phone.get(f"{base}/s/{world.long_slug}?lang=en")
    wait_for(phone, lambda d: progress_text(d) == f"{half} of {LONG_QUESTIONS} questions answered")
    assert status(phone, "draft-status") == "Your earlier answers on this phone have been restored."


def test_tap_while_offline_is_queued_then_stored_once(live_server, phone, artifacts_dir):
    app, world, base = live_server
    phone.get(f"{base}/s/{world.long_slug}")
    wait_for(phone, lambda d: progress_text(d))
    fill(phone, LONG_QUESTIONS)
    wait_for(phone, lambda d: progress_text(d).startswith(f"Đã trả lời {LONG_QUESTIONS}/"))
    set_offline(phone, True)
    wait_for(phone, lambda d: d.execute_script("return navigator.onLine === false"))
    button = phone.find_element(By.CSS_SELECTOR, "button[type=submit]")
    button.location_once_scrolled_into_view  # noqa: B018
    button.click()
    wait_for(phone, lambda d: status(d, "send-status").startswith("Chưa có kết nối mạng"))
    phone.save_screenshot(str(artifacts_dir / "offline-long-form-queued.png"))
    queue_key, draft_key = f"sipas-queue:{world.long_slug}", f"sipas-draft:{world.long_slug}"
    queued, draft = storage(phone, queue_key), storage(phone, draft_key)
    page_token = phone.find_element(By.NAME, "form_token").get_attribute("value")
    assert json.loads(queued)["tokens"]["form_token"] == page_token
    assert responses(app) == 0
    # The connection comes back: the queued answer goes out on its own.
    set_offline(phone, False)
    wait_for(phone, lambda d: heading(d) == "Cảm ơn Ông/Bà!", timeout=90)
    assert phone.current_url == f"{base}/s/{world.long_slug}/cam-on"
    full_page_screenshot(phone, artifacts_dir / "offline-long-form-sent-thank-you.png")
    assert responses(app) == 1 and answers(app) == LONG_QUESTIONS
    assert storage(phone, queue_key) is None and storage(phone, draft_key) is None
    # The same draft sent a second time (its reply was lost, another tab, a replay): the
    # form token is the same, the server refuses it and says it already has the answer.
    phone.execute_script("localStorage.setItem(arguments[0], arguments[1]);"
                         "localStorage.setItem(arguments[2], arguments[3]);",
                         queue_key, queued, draft_key, draft)
    phone.get(f"{base}/s/{world.long_slug}")
    wait_for(phone, lambda d: heading(d) == "Câu trả lời đã được ghi nhận")
    assert "không cần gửi lại" in phone.find_element(By.TAG_NAME, "main").text
    full_page_screenshot(phone, artifacts_dir / "offline-long-form-sent-twice.png")
    assert responses(app) == 1 and answers(app) == LONG_QUESTIONS
    assert storage(phone, queue_key) is None and storage(phone, draft_key) is None


def test_without_javascript_the_one_page_form_submits(live_server, phones, artifacts_dir):
    app, world, base = live_server
    phone = phones(False)
    phone.get(f"{base}/s/{world.long_slug}")
    assert not phone.find_element(By.ID, "progress-box").is_displayed()
    assert not phone.find_element(By.ID, "send-status").is_displayed()
    assert len(fieldsets(phone)) == LONG_QUESTIONS  # one page, every question on it
    fill(phone, LONG_QUESTIONS)
    full_page_screenshot(phone, artifacts_dir / "offline-long-form-js-off.png")
    send(phone)
    assert heading(phone) == "Cảm ơn Ông/Bà!"
    assert responses(app) == 1 and answers(app) == LONG_QUESTIONS


def test_progress_at_desktop_size(live_server, phone, artifacts_dir):
    _, world, base = live_server
    phone.execute_cdp_cmd("Emulation.setDeviceMetricsOverride", {
        "width": 1280, "height": 800, "deviceScaleFactor": 1, "mobile": False})
    try:
        phone.get(f"{base}/s/{world.long_slug}")
        fill(phone, 5)
        wait_for(phone, lambda d: progress_text(d) == f"Đã trả lời 5/{LONG_QUESTIONS} câu")
        assert phone.execute_script("return document.documentElement.scrollWidth") <= 1280
        phone.save_screenshot(str(artifacts_dir / "offline-long-form-progress-desktop.png"))
    finally:
        phone.execute_cdp_cmd("Emulation.setDeviceMetricsOverride", {
            "width": PHONE["width"], "height": PHONE["height"],
            "deviceScaleFactor": PHONE["pixelRatio"], "mobile": True})
