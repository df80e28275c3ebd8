"""A citizen on a 390 px phone opens the assistant from the mall page, types "bikin ktp",
taps the "hilang/rusak" choice and reaches the service with a "take a queue number" button.

Headless Chromium (Debian's /usr/bin/chromium, via Playwright) against uvicorn serving the
test database in a thread (`server_url`); the demo catalogue is written and indexed before
the browser starts. Elements are found by ids and data-* attributes, never by their text.
"""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from tests.browser import chromium
from tests.search.conftest import load_demo

pytestmark = pytest.mark.browser

PHONE = {"viewport": {"width": 390, "height": 844}, "is_mobile": True, "has_touch": True}
SERVICE = "dukcapil-ktp-el-hilang-rusak"


@pytest.fixture
def mall_code(transactional_db, fast_hashing) -> str:
    return load_demo().code


@pytest.fixture
def fast_hashing(settings):
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


def test_a_citizen_asks_taps_hilang_and_reaches_the_ticket_button(mall_code, server_url):
    with chromium() as browser:
        context = browser.new_context(locale="id-ID", timezone_id="Asia/Jakarta", **PHONE)
        context.set_default_timeout(10_000)
        page = context.new_page()
        errors: list[str] = []
        page.on("pageerror", lambda exc: errors.append(str(exc)))
        page.goto(f"{server_url}/m/{mall_code}/")

        page.locator("[data-testid=assistant-link]").click()
        page.wait_for_url(f"**/m/{mall_code}/asisten/")
        page.locator("[data-testid=assistant-input]").fill("bikin ktp")
        page.locator("[data-testid=assistant-input]").press("Enter")

        question = page.locator("#latest")
        expect(question).to_have_attribute("data-kind", "question")
        choices = question.locator("[data-testid=assistant-choice]")
        expect(choices).to_have_count(3)
        hilang = question.locator("[data-testid=assistant-choice][data-key=hilang-rusak]")
        box = hilang.bounding_box()
        assert box and box["height"] >= 44 and box["x"] + box["width"] <= 390
        hilang.tap()

        answer = page.locator("#latest")
        expect(answer).to_have_attribute("data-kind", "service")
        expect(answer.locator("[data-testid=assistant-service]")).to_have_attribute(
            "data-service", SERVICE
        )
        ticket = answer.locator("[data-step=ticket]")
        expect(ticket).to_be_visible()
        expect(ticket).to_have_attribute("href", f"/m/{mall_code}/phone/{SERVICE}/")
        box = ticket.bounding_box()
        assert box and box["height"] >= 44 and box["x"] >= 0 and box["x"] + box["width"] <= 390
        width = page.evaluate("document.documentElement.scrollWidth")
        assert width <= 390  # nothing runs off the side of the phone

        ticket.tap()  # the next step really leads to the phone's confirm page
        page.wait_for_url(f"**/m/{mall_code}/phone/{SERVICE}/")
        context.close()
        assert errors == []
