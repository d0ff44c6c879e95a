"""The citizen's pages that are not the form itself, on the phone and on a desktop: the
expired receipt link's way forward passes axe (its button was red on blue, ~1.5:1), and a
slug typed from the poster in lower case or with l for I opens the form."""

from __future__ import annotations

import pytest
from selenium.webdriver.common.by import By

from survey_app.services.survey_tokens import issue_receipt_token
from tests.browser.helpers import axe_violations, describe, full_page_screenshot, heading
from tests.survey_app.factories import issued_ago

pytestmark = [pytest.mark.browser, pytest.mark.slow]  # a real Chromium

SIZES = {"phone": (360, 740, True), "desktop": (1280, 900, False)}


@pytest.mark.parametrize("size", SIZES)
def test_expired_receipt_link_page_passes_axe(live_server, phone_js, artifacts_dir, size):
    app, world, base = live_server
    width, height, mobile = SIZES[size]
    phone_js.execute_cdp_cmd("Emulation.setDeviceMetricsOverride", {
        "width": width, "height": height, "deviceScaleFactor": 1, "mobile": mobile})
    days = app.config["RECEIPT_LINK_DAYS"] + 1
    with app.test_request_context():
        token = issued_ago(days * 86400, issue_receipt_token, world.short_id, "HS-CU-01")
    phone_js.get(f"{base}/s/{world.short_slug}?d={token}")
    assert heading(phone_js) == "Đường dẫn đánh giá đã hết hạn"
    way_forward = phone_js.find_element(By.CSS_SELECTOR, ".notice a.button:not(.secondary)")
    colours = phone_js.execute_script(
        "const s = getComputedStyle(arguments[0]); return [s.color, s.backgroundColor];",
        way_forward)
    assert colours == ["rgb(255, 255, 255)", "rgb(11, 61, 145)"]  # white on the brand blue
    full_page_screenshot(phone_js, artifacts_dir / f"citizen-receipt-link-expired-{size}.png")
    violations = axe_violations(phone_js)
    assert not violations, describe(violations)
    scroll = phone_js.execute_script("return document.documentElement.scrollWidth")
    assert scroll <= width
    phone_js.execute_cdp_cmd("Emulation.setDeviceMetricsOverride", {
        "width": 360, "height": 740, "deviceScaleFactor": 1, "mobile": True})


def test_slug_typed_from_the_poster_opens_the_form(live_server, phone):
    _app, world, base = live_server
    phone.get(f"{base}/s/{world.short_slug.upper()}")
    assert heading(phone) == "Đánh giá nhanh tại Bộ phận Một cửa"
    assert phone.current_url == f"{base}/s/{world.short_slug}"
