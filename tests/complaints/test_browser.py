"""A complaint in a real browser: a citizen complains on a 390 px phone and gets a
tracking code, the manager answers it on the manager's page, and the citizen's tracking
page shows the answer.

Headless Chromium (/usr/bin/chromium via Playwright) against uvicorn serving the test
database in a thread (`server_url`); data is written before the browser starts and read
back through `off_loop`. Elements are found by ids, names and data-* attributes, so the
test holds in Indonesian and in English.
"""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import Browser, expect

from mpp.complaints.models import Complaint
from tests.browser import chromium, off_loop, open_page
from tests.complaints.conftest import make_world

pytestmark = pytest.mark.browser

PHONE = {"viewport": {"width": 390, "height": 844}, "is_mobile": True, "has_touch": True}
DESK = {"viewport": {"width": 1366, "height": 768}}
PASSWORD = "rahasia123"  # UserFactory's
ANSWER = "Mulai Senin loket perekaman KTP-el ditambah satu pada jam sibuk."


@pytest.fixture
def world(transactional_db):
    return make_world()


@pytest.fixture
def browser(world, server_url) -> Browser:
    with chromium() as browser:
        yield browser


def test_complain_on_a_phone_answer_on_the_managers_page_follow_the_answer(
    world, server_url, browser
):
    mall, service = world.mall.code, world.offering_a.service.code
    phone = open_page(browser, f"{server_url}/m/{mall}/pengaduan/", **PHONE)
    assert phone.evaluate("document.documentElement.scrollWidth") <= 390
    phone.locator("[data-testid=category-time]").check()
    phone.locator("#cp-service").select_option(service)
    phone.locator("#cp-description").fill("Saya antre tiga jam untuk perekaman KTP-el.")
    phone.locator("#cp-name").fill("Siti Aminah")
    phone.locator("[data-testid=submit]").click()
    phone.wait_for_url(re.compile(r"/pengaduan/terkirim/$"))
    code = phone.locator("[data-testid=tracking-code]").get_attribute("data-code")
    assert re.fullmatch(r"[2-9A-HJKMNP-Z]{10}", code), code
    assert code not in phone.url
    assert phone.evaluate("document.documentElement.scrollWidth") <= 390

    desk = open_page(
        browser, f"{server_url}/accounts/login/?next=/m/{mall}/pengaduan/kelola/", **DESK
    )
    desk.locator("input[name=username]").fill(world.manager.username)
    desk.locator("input[name=password]").fill(PASSWORD)
    with desk.expect_navigation():
        desk.locator("input[name=password]").press("Enter")
    assert desk.url.endswith(f"/m/{mall}/pengaduan/kelola/"), desk.url
    pk = off_loop(lambda: Complaint.objects.get(code=code).pk)
    desk.locator(f'tr[data-complaint="{pk}"] [data-testid=open-complaint]').click()
    desk.wait_for_url(f"**/pengaduan/kelola/{pk}/")
    expect(desk.locator("[data-testid=complaint]")).to_have_attribute("data-status", "received")
    desk.locator("[data-testid=step-verify]").click()
    expect(desk.locator("[data-testid=complaint]")).to_have_attribute("data-status", "verified")
    desk.locator("[data-testid=answer-message]").fill(ANSWER)
    desk.locator("[data-testid=step-answer]").click()
    expect(desk.locator("[data-testid=complaint]")).to_have_attribute("data-status", "answered")

    phone.goto(f"{server_url}/pengaduan/lacak/")
    phone.locator("#cp-code").fill(f"{code[:5]}-{code[5:]}".lower())
    phone.locator("[data-testid=track]").click()
    status = phone.locator("[data-testid=complaint-status]")
    expect(status).to_have_attribute("data-status", "answered")
    expect(phone.locator("[data-testid=public-message]")).to_have_text(ANSWER)
    assert "Siti" not in phone.content()
    assert phone.evaluate("document.documentElement.scrollWidth") <= 390

    for page in (phone, desk):
        assert page.js_errors == [], (page.url, page.js_errors)
    stored = off_loop(lambda: Complaint.objects.get(code=code))
    assert stored.status == "answered" and stored.first_response_at is not None
