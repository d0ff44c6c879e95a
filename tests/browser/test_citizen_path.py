"""The citizen's path in a real phone-sized browser, with JavaScript on and off:
QR link → form → "Cảm ơn", exactly one response; the receipt link works once."""

from __future__ import annotations

import pytest
from selenium.webdriver.common.by import By

from survey_app.extensions import db
from survey_app.models import Response
from survey_app.services.survey_tokens import issue_receipt_token
from tests.browser.helpers import (
    axe_violations,
    choose_field,
    click_to_new_page,
    describe,
    full_page_screenshot,
    heading,
    send,
    tap_answer,
)

pytestmark = [pytest.mark.browser, pytest.mark.slow]  # a real Chromium per test

SHORT = {"TC": "4", "TT": "5", "CC": "4", "KQ": "na", "PA": "3", "RETURNS": "1",
         "AGENCIES": "1", "POSTED": "1", "OVERALL": "3"}


def responses(app) -> list[Response]:
    with app.app_context():
        return list(db.session.scalars(db.select(Response)))


def test_counter_link_to_thank_you_stores_one_response(live_server, phone, artifacts_dir):
    app, world, base = live_server
    tag = "js-on" if phone.javascript else "js-off"
    phone.get("data:text/html,<title>no-js</title><script>document.title='js'</script>")
    assert phone.title == ("js" if phone.javascript else "no-js")  # the switch really works
    phone.get(f"{base}/s/{world.short_slug}")
    assert phone.find_element(By.TAG_NAME, "html").get_attribute("lang") == "vi"
    assert heading(phone) == "Đánh giá nhanh tại Bộ phận Một cửa"
    full_page_screenshot(phone, artifacts_dir / f"survey-short-form-{tag}.png")
    choose_field(phone, "tu-phap-ho-tich")
    for code, value in SHORT.items():
        tap_answer(phone, code, value)
    if phone.javascript:  # what the citizen sees after tapping: the chosen row stands out
        phone.find_element(By.CSS_SELECTOR, "#q-OVERALL").location_once_scrolled_into_view  # noqa: B018
        phone.save_screenshot(str(artifacts_dir / "survey-short-form-answered-viewport.png"))
    phone.find_element(By.ID, "comment").send_keys("Cán bộ hướng dẫn nhiệt tình.")
    send(phone)
    assert heading(phone) == "Cảm ơn Ông/Bà!"
    assert "/ket-qua/X-TEST" in phone.page_source
    full_page_screenshot(phone, artifacts_dir / f"survey-thank-you-{tag}.png")
    stored = responses(app)
    assert len(stored) == 1 and stored[0].status == "valid" and stored[0].channel == "counter_qr"
    # Reloading the thank-you page (a nervous citizen) stores nothing more.
    phone.refresh()
    assert heading(phone) == "Cảm ơn Ông/Bà!" and len(responses(app)) == 1


def test_receipt_link_counts_once_then_is_refused(live_server, phone, artifacts_dir):
    app, world, base = live_server
    with app.test_request_context():
        token = issue_receipt_token(world.short_id, "000.00.17.H01-250101-0042", "dat-dai")
    url = f"{base}/s/{world.short_slug}?d={token}"
    phone.get(url)
    # The browser followed the 303: the token left the address bar (and later requests).
    assert phone.current_url == f"{base}/s/{world.short_slug}"
    assert not phone.find_elements(By.ID, "field")  # the link carries the field
    for code, value in SHORT.items():
        tap_answer(phone, code, value)
    send(phone)
    assert heading(phone) == "Cảm ơn Ông/Bà!" and "d=" not in phone.current_url
    phone.get(url)
    assert heading(phone) == "Hồ sơ này đã được đánh giá"
    tag = "js-on" if phone.javascript else "js-off"
    full_page_screenshot(phone, artifacts_dir / f"survey-dossier-already-rated-{tag}.png")
    stored = responses(app)
    assert len(stored) == 1 and stored[0].channel == "receipt_qr" and stored[0].dossier_hash


def test_long_form_on_a_phone_with_inline_errors_in_english(live_server, phone_js, artifacts_dir):
    app, world, base = live_server
    phone_js.get(f"{base}/s/{world.long_slug}")
    assert len(phone_js.find_elements(By.CSS_SELECTOR, "section h2.sec")) >= 5  # one per element
    full_page_screenshot(phone_js, artifacts_dir / "survey-long-form.png")
    # Nothing fits a 360 px screen badly: no horizontal scrolling.
    assert phone_js.execute_script("return document.documentElement.scrollWidth") <= 360
    # Every answer row is a 44 px target at least.
    heights = phone_js.execute_script(
        "return [...document.querySelectorAll('label.opt')].map(e => e.getBoundingClientRect().height)")
    assert min(heights) >= 44
    click_to_new_page(phone_js, phone_js.find_element(By.LINK_TEXT, "English"))
    assert phone_js.find_element(By.TAG_NAME, "html").get_attribute("lang") == "en"
    tap_answer(phone_js, "TC1", "5")
    send(phone_js)  # the required overall question is missing
    assert "Please choose an answer to this question." in phone_js.page_source
    full_page_screenshot(phone_js, artifacts_dir / "survey-long-form-errors-en.png")
    assert responses(app) == []
    tap_answer(phone_js, "OVERALL", "4")
    send(phone_js)
    assert heading(phone_js) == "Thank you!"
    assert len(responses(app)) == 1


def test_no_serious_accessibility_violations(live_server, phone_js):
    app, world, base = live_server
    pages = [f"/s/{world.short_slug}", f"/s/{world.long_slug}", f"/s/{world.short_slug}?lang=en",
             f"/s/{world.short_slug}/cam-on", "/s/khong-co", f"/s/{world.short_slug}?d=bad"]
    problems = {}
    for path in pages:
        phone_js.get(base + path)
        found = axe_violations(phone_js)
        if found:
            problems[path] = describe(found)
    # The page with inline errors too.
    phone_js.get(f"{base}/s/{world.short_slug}?lang=vi")
    send(phone_js)
    found = axe_violations(phone_js)
    if found:
        problems["form with errors"] = describe(found)
    assert not problems, "\n".join(f"{k}:\n{v}" for k, v in problems.items())
