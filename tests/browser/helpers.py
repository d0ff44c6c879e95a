"""What a person does on the phone: tap answers, send, look; plus screenshots and axe."""

from __future__ import annotations

import base64
import json
from pathlib import Path

from selenium.common.exceptions import WebDriverException
from selenium.webdriver.common.by import By
from selenium.webdriver.support.ui import Select, WebDriverWait

from tests.browser.conftest import AXE


def tap_answer(driver, code: str, value: str) -> None:
    """Tap the label (the 48 px row), as a thumb would, not the small radio."""
    radio = driver.find_element(By.CSS_SELECTOR, f'input[name="q_{code}"][value="{value}"]')
    label = radio.find_element(By.XPATH, "./ancestor::label")
    label.location_once_scrolled_into_view  # noqa: B018 - scrolls the row into view
    label.click()
    assert radio.is_selected()


def choose_field(driver, code: str) -> None:
    Select(driver.find_element(By.ID, "field")).select_by_value(code)


def click_to_new_page(driver, element, timeout: float = 30) -> None:
    """Click and wait until the browser shows a new, fully loaded document.

    A marker on the old page's `window` disappears when the new page replaces it. This
    is sturdier than `staleness_of`: while the page is being swapped, Chromium can
    answer a probe of the old element with a generic inspector error ("Node with given
    id does not belong to the document") instead of a stale-element error, which made
    that wait fail now and then in CI.

    With JavaScript the survey form sends itself with fetch and shows the server's reply
    in place of the old body (static/survey.js): a marker on the old body counts too.
    """
    driver.execute_script("window.__sipasOldPage = true; document.body.dataset.sipasOld = '1';")
    element.click()

    def new_page_loaded(d) -> bool:
        return bool(d.execute_script(
            "return (window.__sipasOldPage === undefined || !document.body.dataset.sipasOld)"
            " && document.readyState === 'complete';"))

    WebDriverWait(driver, timeout, ignored_exceptions=(WebDriverException,)).until(new_page_loaded)


def send(driver) -> None:
    button = driver.find_element(By.CSS_SELECTOR, "button[type=submit]")
    button.location_once_scrolled_into_view  # noqa: B018
    click_to_new_page(driver, button)
    WebDriverWait(driver, 20).until(lambda d: d.find_element(By.TAG_NAME, "h1"))


def heading(driver) -> str:
    return driver.find_element(By.TAG_NAME, "h1").text


def full_page_screenshot(driver, path: Path) -> Path:
    """The whole page as the phone would scroll it (CDP, beyond the viewport)."""
    metrics = driver.execute_cdp_cmd("Page.getLayoutMetrics", {})
    size = metrics.get("cssContentSize") or metrics["contentSize"]
    shot = driver.execute_cdp_cmd("Page.captureScreenshot", {
        "format": "png", "captureBeyondViewport": True,
        "clip": {"x": 0, "y": 0, "width": size["width"], "height": size["height"], "scale": 1},
    })
    path.write_bytes(base64.b64decode(shot["data"]))
    return path


def axe_violations(driver) -> list[dict]:
    """Serious and critical WCAG 2.1 A/AA violations found by axe-core on the current page."""
    driver.execute_script(AXE.read_text("utf-8"))
    driver.set_script_timeout(60)
    result = driver.execute_async_script(
        "const done = arguments[arguments.length - 1];"
        "axe.run(document, {runOnly: {type: 'tag', values: "
        "['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa', 'best-practice']}})"
        ".then(r => done(JSON.stringify(r.violations))).catch(e => done(JSON.stringify("
        "[{id: 'axe-error', impact: 'critical', help: String(e), nodes: []}])));")
    return [v for v in json.loads(result) if v.get("impact") in ("serious", "critical")]


def describe(violations: list[dict]) -> str:
    return "\n".join(f"{v['id']} ({v['impact']}): {v['help']} — "
                     f"{[n.get('target') for n in v.get('nodes', [])][:5]}" for v in violations)
